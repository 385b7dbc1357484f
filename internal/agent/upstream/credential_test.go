package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// Ensure a Credential is asked for the key on every request (so a rotated
// secret is used at once), that its value is sent like APIKey and kept out
// of quoted server messages, and that a failing Credential refuses the
// request with 503 secret_unavailable before anything is sent.
func TestCredential(t *testing.T) {
	var got atomic.Value
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		writeJSON(w, 500, map[string]any{"error": map[string]any{"message": "boom for " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")}})
	}))
	defer srv.Close()

	key := "sk-rotating-Secr3t-0001-abcdefghij"
	a := newTestAgent(t, srv.URL, func(o *Options) {
		o.APIKey = ""
		o.Credential = func(context.Context) (string, error) {
			calls.Add(1)
			return key, nil
		}
	})
	_, err := a.Complete(t.Context(), userRequest("hi"))
	e := wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamError)
	if got.Load() != "Bearer "+key {
		t.Errorf("Authorization = %q", got.Load())
	}
	if strings.Contains(e.Error(), key) || strings.Contains(e.Message, key) {
		t.Errorf("refusal quotes the key: %v", e)
	}
	key = "sk-rotating-Secr3t-0002-abcdefghij"
	_, _ = a.Complete(t.Context(), userRequest("hi"))
	if got.Load() != "Bearer "+key || calls.Load() != 2 {
		t.Errorf("after rotation Authorization = %q, calls = %d", got.Load(), calls.Load())
	}

	sent := calls.Load()
	got.Store("")
	b := newTestAgent(t, srv.URL, func(o *Options) {
		o.APIKey = ""
		o.Credential = func(context.Context) (string, error) { return "", errors.New("the secret store is sealed") }
	})
	_, err = b.Complete(t.Context(), userRequest("hi"))
	wantRefusal(t, err, apperr.KindUnavailable, apperr.CodeSecretUnavailable)
	if got.Load() != "" || calls.Load() != sent {
		t.Errorf("a request was sent without its credential")
	}

	c := newTestAgent(t, srv.URL, func(o *Options) {
		o.APIKey = ""
		o.Credential = func(context.Context) (string, error) { return "abc\r\nX-Evil: 1", nil }
	})
	_, err = c.Complete(t.Context(), userRequest("hi"))
	wantRefusal(t, err, apperr.KindUnavailable, apperr.CodeSecretUnavailable)
}
