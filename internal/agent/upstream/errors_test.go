package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// Ensure each failure of the model server becomes the right refusal, and
// that none of them shows the API key.
func TestErrorMapping(t *testing.T) {
	huge := strings.Repeat("x", 2048)
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		stream      bool
		maxBytes    int64
		kind        apperr.Kind
		code        string
		msgContains string
	}{
		{
			name: "rate limited",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				writeJSON(w, 429, map[string]any{"error": map[string]any{"message": "slow down"}})
			},
			kind: apperr.KindRateLimited, code: apperr.CodeUpstreamRateLimit,
		},
		{
			name: "forbidden",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]any{"error": map[string]any{"message": "key " + testKey + " has no access"}})
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamError, msgContains: msgCredentials,
		},
		{
			name: "server error echoing the key",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 500, map[string]any{"error": map[string]any{"message": "boom\nwith key " + testKey + " and token AbCdEfGh1234567890IjKlMnOp"}})
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamError, msgContains: "status 500: boom with key [redacted] and token [redacted]",
		},
		{
			name: "bad request",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, map[string]any{"error": map[string]any{"message": "context length exceeded " + huge}})
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamError, msgContains: "status 400: context length exceeded xxx",
		},
		{
			name: "plain text error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream secret internals", 502)
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamError, msgContains: "status 502",
		},
		{
			name: "wrong content type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, "<html>login</html>")
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamBadReply,
		},
		{
			name: "wrong content type for a stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "data: x\n\n")
			},
			stream: true,
			kind:   apperr.KindUpstream, code: apperr.CodeUpstreamBadReply,
		},
		{
			name: "malformed JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"choices": [`)
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamBadReply,
		},
		{
			name: "no choices",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"choices": []any{}})
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamBadReply,
		},
		{
			name: "malformed stream event",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: {not json\n\n")
			},
			stream: true,
			kind:   apperr.KindUpstream, code: apperr.CodeUpstreamBadReply,
		},
		{
			name: "oversized body with length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": huge}}}})
			},
			maxBytes: 1024,
			kind:     apperr.KindUpstream, code: apperr.CodeUpstreamBadReply, msgContains: msgTooLarge,
		},
		{
			name: "oversized chunked body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for range 4 {
					io.WriteString(w, huge)
					http.NewResponseController(w).Flush()
				}
			},
			maxBytes: 1024,
			kind:     apperr.KindUpstream, code: apperr.CodeUpstreamBadReply, msgContains: msgTooLarge,
		},
		{
			name: "oversized stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				for range 100 {
					io.WriteString(w, chunk("0123456789", ""))
				}
			},
			stream: true, maxBytes: 1024,
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamBadReply, msgContains: msgTooLarge,
		},
		{
			name: "stream line too long",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: "+strings.Repeat("x", maxLineBytes+10))
			},
			stream: true, maxBytes: 4 * maxLineBytes,
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamBadReply, msgContains: msgLineTooLong,
		},
		{
			name: "connection closed before the answer",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.Close()
			},
			kind: apperr.KindUpstream, code: apperr.CodeUpstreamUnavail, msgContains: msgUnavailable,
		},
		{
			name: "connection broken mid-stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("a", ""))
				http.NewResponseController(w).Flush()
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.Close()
			},
			stream: true,
			kind:   apperr.KindUpstream, code: apperr.CodeUpstreamUnavail, msgContains: msgBroken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			a := newTestAgent(t, srv.URL, func(o *Options) { o.MaxResponseBytes = tt.maxBytes })
			var err error
			if tt.stream {
				_, err = a.Stream(t.Context(), userRequest("hi"), func(agent.Delta) error { return nil })
			} else {
				_, err = a.Complete(t.Context(), userRequest("hi"))
			}
			e := wantRefusal(t, err, tt.kind, tt.code)
			if !strings.Contains(e.Message, tt.msgContains) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tt.msgContains)
			}
			if len(e.Message) > 300 {
				t.Errorf("message is %d bytes long", len(e.Message))
			}
			if strings.Contains(err.Error(), "secret internals") {
				t.Errorf("error quotes a non-JSON body: %v", err)
			}
		})
	}
}

// Ensure a refused connection is upstream_unavailable.
func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = newTestAgent(t, "http://"+addr, nil).Complete(t.Context(), userRequest("hi"))
	wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamUnavail)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("cause is not ECONNREFUSED: %v", err)
	}
}

// Ensure transport failures that tests cannot stage for real are mapped:
// DNS failures, resets and timeouts.
func TestTransportErrorClassification(t *testing.T) {
	a := newTestAgent(t, "http://127.0.0.1:1", nil)
	tests := []struct {
		name string
		err  error
		kind apperr.Kind
		code string
	}{
		{"dns", &net.DNSError{Err: "no such host", Name: "model.invalid", IsNotFound: true}, apperr.KindUpstream, apperr.CodeUpstreamUnavail},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, apperr.KindUpstream, apperr.CodeUpstreamUnavail},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout},
		{"deadline", context.DeadlineExceeded, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout},
		{"redirect", fmt.Errorf("Post: %w", errRedirect), apperr.KindUpstream, apperr.CodeUpstreamError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.transportError(t.Context(), tt.err)
			wantRefusal(t, err, tt.kind, tt.code)
			if !errors.Is(err, tt.err) {
				t.Errorf("cause lost: %v", err)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// blockingServer answers nothing until the request or the test ends.
func blockingServer(t *testing.T, before func(w http.ResponseWriter)) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w)
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// Ensure a server slow to send headers trips FirstByteTimeout, and a
// context deadline is upstream_timeout too, for both calls.
func TestTimeouts(t *testing.T) {
	srv := blockingServer(t, nil)
	t.Run("first byte", func(t *testing.T) {
		a := newTestAgent(t, srv.URL, func(o *Options) { o.FirstByteTimeout = 50 * time.Millisecond })
		start := time.Now()
		_, err := a.Complete(t.Context(), userRequest("hi"))
		wantRefusal(t, err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := newTestAgent(t, srv.URL, nil).Stream(ctx, userRequest("hi"), func(agent.Delta) error { return nil })
		wantRefusal(t, err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout)
	})
	t.Run("deadline mid-stream", func(t *testing.T) {
		srv := blockingServer(t, func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, chunk("a", ""))
			http.NewResponseController(w).Flush()
		})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := newTestAgent(t, srv.URL, nil).Stream(ctx, userRequest("hi"), func(agent.Delta) error { return nil })
		wantRefusal(t, err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout)
	})
}

// Ensure a caller's cancellation is returned as the context error, not as
// a refusal, and stops a stream promptly.
func TestCancellation(t *testing.T) {
	t.Run("before the answer", func(t *testing.T) {
		srv := blockingServer(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := newTestAgent(t, srv.URL, nil).Complete(ctx, userRequest("hi"))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var e *apperr.Error
		if errors.As(err, &e) {
			t.Fatalf("err is a refusal %s/%s, want the context error", e.Kind, e.Code)
		}
	})
	t.Run("mid-stream", func(t *testing.T) {
		srv := blockingServer(t, func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, chunk("a", ""))
			http.NewResponseController(w).Flush()
		})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var canceledAt time.Time
		_, err := newTestAgent(t, srv.URL, nil).Stream(ctx, userRequest("hi"), func(agent.Delta) error {
			canceledAt = time.Now()
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(canceledAt); d > time.Second {
			t.Errorf("stream stopped %v after cancellation", d)
		}
	})
	t.Run("with cause", func(t *testing.T) {
		srv := blockingServer(t, nil)
		ctx, cancel := context.WithCancelCause(t.Context())
		why := errors.New("client disconnected")
		time.AfterFunc(20*time.Millisecond, func() { cancel(why) })
		_, err := newTestAgent(t, srv.URL, nil).Complete(ctx, userRequest("hi"))
		if !errors.Is(err, context.Canceled) || !errors.Is(err, why) {
			t.Fatalf("err = %v, want context.Canceled and the cause", err)
		}
	})
}

// Ensure excerpts are short, single-line and free of credentials.
func TestExcerpt(t *testing.T) {
	a := &Agent{apiKey: "k3y-Literal"}
	tests := []struct{ in, want string }{
		{"simple message", "simple message"},
		{"multi\nline\t\x00text", "multi line text"},
		{"key k3y-Literal here", "key [redacted] here"},
		{"Incorrect API key provided: sk-proj-abcdefghijkl.", "Incorrect API key provided: [redacted]"},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.AbCd", "token [redacted]"},
		{"model gpt-4o-mini-2024-07-18-preview-long not found", "model gpt-4o-mini-2024-07-18-preview-long not found"},
		{"bad utf8 \xff ok", "bad utf8 ok"},
		{strings.Repeat("é", 300), strings.Repeat("é", maxExcerptRunes-1) + "…"},
	}
	for _, tt := range tests {
		if got := a.excerpt(tt.in); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
