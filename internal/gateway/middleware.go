package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// requestID returns the id given to the request by the ingress middleware.
func requestID(ctx context.Context) string { return telemetry.RequestID(ctx) }

// newRequestID returns a random request id.
func newRequestID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("gateway: crypto/rand failed: %v", err))
	}
	return "req_" + hex.EncodeToString(b[:])
}

// ingress is the first stage of every request: it assigns the request id,
// starts the request's server span, sets safe response headers and turns
// panics into internal errors. The id is Palisade's own: a client-supplied
// X-Request-Id is never trusted, and neither, by default, is a
// client-supplied traceparent (see startRequestSpan).
func (g *Gateway) ingress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := newRequestID()
		ctx := telemetry.WithRequestID(r.Context(), rid)
		ctx, span := g.startRequestSpan(ctx, r, rid)
		var sw *statusWriter
		if span.IsRecording() {
			sw = &statusWriter{ResponseWriter: w}
			w = sw
			ctx = context.WithValue(ctx, statusWriterKey{}, sw)
		}
		defer endRequestSpan(span, sw)
		r = r.WithContext(ctx)
		h := w.Header()
		h.Set("X-Request-Id", rid)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				g.log.ErrorContext(ctx, "panic in handler", "request_id", rid, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, r, g.log, flavorFor(r), apperr.New(apperr.KindInternal, apperr.CodeInternal, "An internal error occurred."), "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// startRequestSpan starts the server span of a request, named after its
// method until the router names its route. A traceparent sent by the
// client becomes the parent only when the gateway trusts incoming trace
// context; otherwise the request starts a trace of its own and the
// client's span is recorded as a link (without its tracestate), so a
// client can neither choose the trace id that Palisade's audit events
// carry nor force its requests to be sampled.
func (g *Gateway) startRequestSpan(ctx context.Context, r *http.Request, rid string) (context.Context, trace.Span) {
	var opts []trace.SpanStartOption
	opts = append(opts, trace.WithSpanKind(trace.SpanKindServer))
	in := trace.SpanContext{}
	if r.Header.Get("Traceparent") != "" {
		in = telemetry.Extract(r.Header)
	}
	switch {
	case in.IsValid() && g.trustTrace:
		ctx = trace.ContextWithRemoteSpanContext(ctx, in)
	case in.IsValid():
		link := trace.NewSpanContext(trace.SpanContextConfig{TraceID: in.TraceID(), SpanID: in.SpanID(), TraceFlags: in.TraceFlags(), Remote: true})
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: link}))
	default:
		opts = append(opts, trace.WithNewRoot())
	}
	method := spanMethod(r.Method)
	ctx, span := g.tracer.Start(ctx, method, opts...)
	if span.IsRecording() {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		span.SetAttributes(telemetry.AttrHTTPMethod.String(method), telemetry.AttrURLScheme.String(scheme),
			telemetry.AttrRequestID.String(rid))
	}
	return ctx, span
}

// endRequestSpan ends a request's server span with the response status
// and the outcome it means (success, denied for 4xx, error for 5xx).
func endRequestSpan(span trace.Span, sw *statusWriter) {
	if sw != nil {
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		outcome := outcomeOf(status)
		if sw.refusal != "" {
			// A refusal after a stream began has status 200.
			outcome = sw.refusal
		}
		span.SetAttributes(telemetry.AttrHTTPStatus.Int(status), telemetry.AttrOutcome.String(outcome))
	}
	span.End()
}

// outcomeOf is the outcome a response status means.
func outcomeOf(status int) string {
	switch {
	case status >= 500:
		return audit.OutcomeError
	case status >= 400:
		return audit.OutcomeDenied
	}
	return audit.OutcomeSuccess
}

// nameRoute names the request's server span after the route pattern that
// matched it (never the path, which holds ids).
func nameRoute(r *http.Request, pattern string) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	span.SetName(spanMethod(r.Method) + " " + pattern)
	span.SetAttributes(telemetry.AttrHTTPRoute.String(pattern))
}

// routeNamed is h with its requests' spans named after pattern.
func routeNamed(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nameRoute(r, pattern)
		h.ServeHTTP(w, r)
	})
}

// spanMethod is the method as spans report it: one of the standard
// methods, or _OTHER, so a client cannot put text of its choosing there.
func spanMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// statusWriter remembers the status of the response, for the server span.
// Unwrap lets http.ResponseController and the WebSocket upgrade reach the
// connection's own writer (flushing, deadlines, hijacking).
type statusWriter struct {
	http.ResponseWriter
	status int
	// refusal is the outcome of a refusal written (refused).
	refusal string
}

type statusWriterKey struct{}

// WriteHeader records the final status and writes it.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes body bytes (status 200 if none was written).
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// flavorFor picks the error body shape from the path.
func flavorFor(r *http.Request) flavor {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		return flavorOpenAI
	case strings.HasPrefix(r.URL.Path, "/v3/directline/"):
		return flavorDirectLine
	}
	return flavorPlain
}

// readJSON reads a JSON request body into v, enforcing the content type
// (415), the body limit (413) and well-formedness (400). An empty body is
// accepted only when allowEmpty is set.
func (g *Gateway) readJSON(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	if r.ContentLength > g.maxBody {
		return errBodyTooLarge(g.maxBody)
	}
	if r.ContentLength == 0 && allowEmpty {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && allowEmpty {
		ct = "application/json"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return apperr.New(apperr.KindUnsupportedMedia, apperr.CodeUnsupportedMedia,
			"The request body must be JSON (Content-Type: application/json).")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return apperr.New(apperr.KindUnsupportedMedia, apperr.CodeUnsupportedMedia, "The request body must be UTF-8 encoded JSON.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge(g.maxBody)
		}
		return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidRequest, "The request body could not be read.")
	}
	if len(body) == 0 {
		if allowEmpty {
			return nil
		}
		return apperr.New(apperr.KindInvalid, apperr.CodeInvalidJSON, "The request body is empty; a JSON object is required.")
	}
	return decodeJSON(body, v)
}

func errBodyTooLarge(limit int64) error {
	return apperr.New(apperr.KindTooLarge, apperr.CodeBodyTooLarge,
		"The request body is larger than the %d bytes this gateway accepts.", limit)
}
