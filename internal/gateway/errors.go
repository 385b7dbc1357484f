package gateway

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// statusOf maps each kind of refusal to its HTTP status. It is the only
// place where refusals become statuses.
var statusOf = map[apperr.Kind]int{
	apperr.KindInvalid:          http.StatusBadRequest,
	apperr.KindUnauthenticated:  http.StatusUnauthorized,
	apperr.KindForbidden:        http.StatusForbidden,
	apperr.KindNotFound:         http.StatusNotFound,
	apperr.KindMethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.KindConflict:         http.StatusConflict,
	apperr.KindTooLarge:         http.StatusRequestEntityTooLarge,
	apperr.KindUnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.KindRateLimited:      http.StatusTooManyRequests,
	apperr.KindUnavailable:      http.StatusServiceUnavailable,
	apperr.KindUpstream:         http.StatusBadGateway,
	apperr.KindUpstreamTimeout:  http.StatusGatewayTimeout,
	apperr.KindInternal:         http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	if s, ok := statusOf[apperr.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// openAIType maps kinds to the "type" field of OpenAI's error body, which
// the official clients use to pick an exception class.
var openAIType = map[apperr.Kind]string{
	apperr.KindInvalid:          "invalid_request_error",
	apperr.KindUnauthenticated:  "authentication_error",
	apperr.KindForbidden:        "permission_error",
	apperr.KindNotFound:         "invalid_request_error",
	apperr.KindMethodNotAllowed: "invalid_request_error",
	apperr.KindConflict:         "invalid_request_error",
	apperr.KindTooLarge:         "invalid_request_error",
	apperr.KindUnsupportedMedia: "invalid_request_error",
	apperr.KindRateLimited:      "rate_limit_error",
	apperr.KindUnavailable:      "service_unavailable",
	apperr.KindUpstream:         "upstream_error",
	apperr.KindUpstreamTimeout:  "upstream_error",
	apperr.KindInternal:         "server_error",
}

// errorBody is the JSON body of every refusal. On /v1 it follows OpenAI's
// shape; on /v3/directline, Direct Line's ({"error":{"code","message"}}).
// Both carry the request id and the audit event id.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message      string  `json:"message"`
	Type         string  `json:"type,omitempty"`
	Code         string  `json:"code"`
	Param        *string `json:"param,omitempty"`
	RequestID    string  `json:"request_id,omitempty"`
	AuditEventID string  `json:"audit_event_id,omitempty"`
}

// flavor selects the error body shape.
type flavor int

const (
	flavorOpenAI flavor = iota
	flavorDirectLine
	flavorPlain
)

// writeError writes err as a refusal. Internal causes are logged with the
// request id and never sent.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, fl flavor, err error, auditID string) {
	e := apperr.As(err)
	status := StatusOf(e)
	rid := requestID(r.Context())
	noteResult(r.Context(), e)
	refused(r.Context(), e)
	if status >= 500 || e.Err != nil {
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "request refused", "request_id", rid, "code", e.Code, "status", status,
			"audit_event_id", auditID, "cause", errString(e.Err))
	}
	d := errorDetail{Message: e.Message, Code: e.Code, RequestID: rid, AuditEventID: auditID}
	if fl == flavorOpenAI {
		d.Type = openAIType[e.Kind]
	}
	if auditID != "" {
		w.Header().Set("X-Palisade-Audit-Id", auditID)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", challenge(err))
	}
	writeJSON(w, status, errorBody{Error: d})
}

// challenge is the WWW-Authenticate value of a 401. A step-up refusal
// says what the new sign-in must satisfy, as RFC 9470 defines:
// error="insufficient_user_authentication" with acr_values and max_age.
func challenge(err error) string {
	var de *decisionError
	if !errors.As(err, &de) || de.Reason != access.ReasonMFARequired {
		return `Bearer realm="palisade"`
	}
	c := `Bearer realm="palisade", error="insufficient_user_authentication", error_description="A multi-factor sign-in is required"`
	if len(de.ACRValues) > 0 {
		c += `, acr_values="` + strings.Join(de.ACRValues, " ") + `"`
	}
	if de.MaxAge > 0 {
		c += `, max_age="` + strconv.Itoa(int(de.MaxAge/time.Second)) + `"`
	}
	return c
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
