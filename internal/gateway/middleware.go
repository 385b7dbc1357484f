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

	"github.com/palisade-gw/palisade/internal/apperr"
)

type ctxKey int

const requestIDKey ctxKey = 1

// requestID returns the id given to the request by the ingress middleware.
func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// newRequestID returns a random request id.
func newRequestID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("gateway: crypto/rand failed: %v", err))
	}
	return "req_" + hex.EncodeToString(b[:])
}

// ingress is the first stage of every request: it assigns the request id,
// sets safe response headers and turns panics into internal errors. The id
// is Palisade's own: a client-supplied X-Request-Id is never trusted.
func (g *Gateway) ingress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey, rid)
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
				g.log.Error("panic in handler", "request_id", rid, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, r, g.log, flavorFor(r), apperr.New(apperr.KindInternal, apperr.CodeInternal, "An internal error occurred."), "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

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
