package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
)

// PermAuditRead is the administrative permission to read the audit log
// (a role's permissions.admin).
const PermAuditRead = "audit.read"

// Limits of an audit search through the admin API.
const (
	// DefaultAuditPageSize is the page size when the caller names none.
	DefaultAuditPageSize = 50
	// maxAuditFilterLen bounds a text filter; stored values are at most
	// 256 bytes (audit.Clean), so a longer one cannot match.
	maxAuditFilterLen = 256
)

// auditPage is the body of GET /v1/admin/audit/events.
type auditPage struct {
	// Events are in the exports' documented form (palisade.audit/v1),
	// so a page and a SIEM's copy of an event are the same JSON.
	Events []export.Event `json:"events"`
	// NextCursor continues the search with the next (older) page; it is
	// left out on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// auditParams are the query parameters of GET /v1/admin/audit/events.
var auditParams = []string{"since", "until", "user", "app", "agent", "type", "outcome", "limit", "cursor"}

func (g *Gateway) adminRoutes(r *router) {
	r.handle("/v1/admin/audit/events", map[string]http.HandlerFunc{http.MethodGet: g.searchAudit})
}

// searchAudit serves GET /v1/admin/audit/events: a page of the audit log,
// newest first. The caller is identified as on the OpenAI-compatible API
// and must hold a role granting audit.read. The read is itself recorded,
// with its filters, before the answer leaves; if it cannot be recorded the
// request is refused.
func (g *Gateway) searchAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid := requestID(ctx)
	var pr identity.Principal
	refuse := func(err error) {
		id, rerr := g.pipe.RecordRefusal(ctx, rid, pr, "", err)
		if rerr != nil {
			err = rerr
		}
		writeError(w, r, g.log, flavorOpenAI, err, id)
	}
	pr, err := g.identifyAPI(ctx, r, "")
	if err != nil {
		refuse(err)
		return
	}
	if err := g.authorizeAdmin(pr, PermAuditRead); err != nil {
		refuse(err)
		return
	}
	q, filters, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		refuse(err)
		return
	}
	evs, err := g.store.SearchAuditEvents(ctx, q)
	var more []store.AuditEvent
	if err == nil && len(evs) == q.Limit {
		// A full page: look for one event beyond it, so the last page
		// carries no cursor.
		probe := q
		probe.BeforeSeq, probe.Limit = evs[len(evs)-1].Seq, 1
		more, err = g.store.SearchAuditEvents(ctx, probe)
	}
	if err != nil {
		refuse(apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "The audit log cannot be read, so the request was refused."))
		return
	}
	id, err := g.pipe.Recorder.Record(ctx, withIDs(ctx, audit.Event{
		Type: audit.TypeAdminAuditSearch, RequestID: rid, Outcome: audit.OutcomeSuccess,
		Actor: pr.Actor(), App: pr.App, Data: filters,
	}))
	if err != nil {
		writeError(w, r, g.log, flavorOpenAI, err, "")
		return
	}
	page := auditPage{Events: make([]export.Event, 0, len(evs))}
	for _, ev := range evs {
		page.Events = append(page.Events, export.FromStore(ev))
	}
	if len(more) > 0 {
		page.NextCursor = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	w.Header().Set("X-Palisade-Audit-Id", id)
	writeJSON(w, http.StatusOK, page)
}

// authorizeAdmin refuses pr unless a role it holds grants the
// administrative permission perm. A Direct Line token is never an
// administrator: it is handed to an end user's browser on the app's
// behalf, so the app's roles do not come with it.
func (g *Gateway) authorizeAdmin(pr identity.Principal, perm string) error {
	if pr.Kind == identity.KindDirectLineToken {
		return apperr.New(apperr.KindForbidden, apperr.CodePermissionDenied,
			"A Direct Line token cannot use the admin API; use the app's credential or a user's access token.")
	}
	grants := g.pipe.Policy.Grants(pr)
	if grants.MayAdminister(perm) {
		return nil
	}
	held := "none"
	if roles := grants.Roles(); len(roles) > 0 {
		held = strings.Join(roles, ", ")
	}
	return apperr.New(apperr.KindForbidden, apperr.CodePermissionDenied,
		"This needs a role granting the administrative permission %q; the roles held are: %s.", perm, held)
}

// parseAuditQuery reads the query parameters of an audit search into a
// store query (newest first) and the filters to record. Unknown or
// repeated parameters are refused, so a misspelt filter cannot silently
// widen the search.
func parseAuditQuery(v url.Values) (store.AuditQuery, map[string]any, error) {
	q := store.AuditQuery{Desc: true, Limit: DefaultAuditPageSize}
	filters := map[string]any{}
	for name, vals := range v {
		if !slices.Contains(auditParams, name) {
			return q, nil, invalid(name, "Unknown query parameter %q; use %s.", truncate(name, 32), strings.Join(auditParams, ", "))
		}
		if len(vals) > 1 {
			return q, nil, invalid(name, "The query parameter %q is given %d times; give it once.", name, len(vals))
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, nil, invalid(p.name, "The query parameter %q must be an RFC 3339 time such as 2025-06-01T12:00:00Z, not %q.", p.name, truncate(s, 64))
		}
		*p.dst = t
		filters[p.name] = t.UTC().Format(time.RFC3339Nano)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, nil, invalid("until", "The query parameter \"until\" must be after \"since\".")
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"user", &q.Actor}, {"app", &q.App}, {"agent", &q.Agent}, {"type", &q.Type}, {"outcome", &q.Outcome}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		if len(s) > maxAuditFilterLen {
			return q, nil, invalid(p.name, "The query parameter %q is longer than %d bytes.", p.name, maxAuditFilterLen)
		}
		*p.dst = s
		filters[p.name] = s
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxAuditQueryLimit {
			return q, nil, invalid("limit", "The query parameter \"limit\" must be a whole number from 1 to %d, not %q.", store.MaxAuditQueryLimit, truncate(s, 32))
		}
		q.Limit = n
	}
	filters["limit"] = q.Limit
	if s := v.Get("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return q, nil, invalid("cursor", "The query parameter \"cursor\" is not a cursor this API returned (next_cursor).")
		}
		q.BeforeSeq = n
		filters["cursor"] = s
	}
	return q, filters, nil
}
