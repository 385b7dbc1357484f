package loadgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// MaxProxyBody bounds the request bodies the baseline proxy buffers.
const MaxProxyBody = 16 << 20

// NewProxy returns the baseline a gateway is measured against: an
// httputil.ReverseProxy to target with a keep-alive transport of at most
// maxConns connections. It adds no headers; streamed answers are flushed
// as they come (ReverseProxy does so for text/event-stream). Failures to
// reach target are 502s with an OpenAI-style error body.
//
// The proxy reads each request body whole before forwarding it, as a
// gateway that inspects requests must, so the comparison is fair. That is
// also required for correctness: forwarding the live body lets the HTTP/1
// server close it when the response headers are written while the
// transport still reads it once more to check its length; that read
// fails, the transport drops the upstream connection and a streamed
// answer is cut short (golang/go#40747). Full-duplex mode is no cure: the
// transport's last read can then race the server's reading of the next
// request on the same connection.
func NewProxy(target *url.URL, maxConns int) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
		},
		Transport: NewTransport(max(maxConns, 1)),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			proxyError(w, http.StatusBadGateway, "upstream_unavailable", "The upstream could not be reached.")
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxProxyBody))
			if err != nil {
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					proxyError(w, http.StatusRequestEntityTooLarge, "body_too_large", "The request body is too large.")
					return
				}
				proxyError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		rp.ServeHTTP(w, r)
	})
}

func proxyError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
		"message": msg, "type": "proxy_error", "code": code,
	}})
}
