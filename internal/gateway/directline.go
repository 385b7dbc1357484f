package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/palisade-gw/palisade/internal/ids"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
)

// Direct Line 3.0: the API that Microsoft's Web Chat and the
// botframework-directlinejs client speak. Apps exchange their secret for
// short-lived tokens bound to one user and one conversation; clients post
// activities and read the agent's replies by polling with a watermark or
// over a WebSocket stream.

const (
	dlChannelID = "directline"
	// dlHistory is how many earlier transcript entries are given to the
	// agent as context.
	dlHistory = 20
	// dlPage bounds one GET of activities.
	dlPage = 100
)

func (g *Gateway) directLineRoutes(r *router) {
	const base = "/v3/directline"
	r.handle(base+"/tokens/generate", map[string]http.HandlerFunc{http.MethodPost: g.dlGenerateToken, http.MethodOptions: g.preflight})
	r.handle(base+"/tokens/refresh", map[string]http.HandlerFunc{http.MethodPost: g.dlRefreshToken, http.MethodOptions: g.preflight})
	r.handle(base+"/conversations", map[string]http.HandlerFunc{http.MethodPost: g.dlStartConversation, http.MethodOptions: g.preflight})
	r.handle(base+"/conversations/{id}", map[string]http.HandlerFunc{http.MethodGet: g.dlReconnect, http.MethodOptions: g.preflight})
	r.handle(base+"/conversations/{id}/activities", map[string]http.HandlerFunc{
		http.MethodGet: g.dlGetActivities, http.MethodPost: g.dlPostActivity, http.MethodOptions: g.preflight})
	r.handle(base+"/conversations/{id}/stream", map[string]http.HandlerFunc{http.MethodGet: g.dlStream})
}

// dlCaller is the identify stage for Direct Line: an app secret or a token.
type dlCaller struct {
	identity.Principal
	// secret is true when the caller presented the app's secret rather than
	// a token.
	secret bool
	expiry time.Time
}

// dlIdentify checks the bearer credential (or, for WebSocket streams, the t
// query parameter) and the browser origin: the identify stage.
func (g *Gateway) dlIdentify(r *http.Request, allowQueryToken bool) (dlCaller, error) {
	ctx, span := g.pipe.startStage(r.Context(), stageIdentify)
	c, err := g.dlCredential(ctx, r, allowQueryToken)
	identified(span, c.Principal, err)
	return c, err
}

// dlCredential is dlIdentify's work.
func (g *Gateway) dlCredential(ctx context.Context, r *http.Request, allowQueryToken bool) (dlCaller, error) {
	header := r.Header.Get("Authorization")
	if header == "" && allowQueryToken && r.URL.Query().Get("t") != "" {
		header = "Bearer " + r.URL.Query().Get("t")
	}
	cred, err := identity.BearerToken(header)
	if err != nil {
		return dlCaller{}, err
	}
	var c dlCaller
	if app, err := g.apps.Authenticate(ctx, cred); err == nil {
		c = dlCaller{Principal: identity.Principal{Kind: identity.KindApp, App: app}, secret: true}
	} else {
		tc, err := g.directLineToken(ctx, cred)
		if errors.Is(err, identity.ErrTokenExpired) {
			// Direct Line reports an expired token as 403, which is how
			// its clients (Web Chat) recognise expiry.
			return dlCaller{}, &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodeTokenExpired, Message: identity.ErrTokenExpired.Message, Err: err}
		}
		if err != nil {
			return dlCaller{}, err
		}
		c = dlCaller{Principal: identity.Principal{Kind: identity.KindDirectLineToken, App: tc.App,
			Subject: tc.Subject, Name: tc.Name, ConversationID: tc.ConversationID}, expiry: tc.Expiry}
	}
	c.Principal = withDevice(r, c.Principal)
	if err := g.checkOrigin(r, c.App); err != nil {
		return c, err
	}
	return c, nil
}

// directLineToken verifies a Direct Line token and refuses one issued
// before its user or its conversation was revoked. If revocations cannot
// be read, the token is refused (fail closed).
func (g *Gateway) directLineToken(ctx context.Context, cred string) (identity.TokenClaims, error) {
	tc, err := g.tokens.Verify(cred)
	if err != nil {
		return tc, err
	}
	before, err := g.store.TokensRevokedBefore(ctx, tc.RevocationKeys()...)
	if err != nil {
		return tc, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Token revocations cannot be checked now, so the request was refused.")
	}
	if !before.IsZero() && !tc.IssuedAt.After(before) {
		return tc, identity.ErrTokenRevoked
	}
	return tc, nil
}

// checkOrigin refuses browser requests from origins the app has not
// listed. Requests without an Origin header (servers, native apps) pass.
func (g *Gateway) checkOrigin(r *http.Request, app string) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	for _, o := range g.appInfo[app].Origins {
		if strings.EqualFold(o, origin) {
			return nil
		}
	}
	return apperr.New(apperr.KindForbidden, apperr.CodeOriginNotAllowed, "This app may not be used from the web origin %s.", truncate(origin, 128))
}

// originListed reports whether some app lists origin.
func (g *Gateway) originListed(origin string) bool {
	if origin == "" {
		return false
	}
	for _, a := range g.appInfo {
		for _, o := range a.Origins {
			if strings.EqualFold(o, origin) {
				return true
			}
		}
	}
	return false
}

// preflight answers CORS preflight requests for origins that some app lists;
// the real request is then checked against its own app's origins.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); g.originListed(origin) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, x-ms-bot-agent")
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Origin")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeError(w, r, g.log, flavorDirectLine, apperr.New(apperr.KindForbidden, apperr.CodeOriginNotAllowed, "This web origin is not allowed."), "")
}

// allowCORS sets the response headers that let an allowed browser origin
// read the response.
func allowCORS(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Add("Vary", "Origin")
	}
}

// dlRefuse records a refusal and writes it in Direct Line's error shape.
func (g *Gateway) dlRefuse(w http.ResponseWriter, r *http.Request, pr identity.Principal, err error) {
	if g.originListed(r.Header.Get("Origin")) {
		// Let a browser client read why it was refused (an expired
		// token, say) rather than see an opaque network error.
		allowCORS(w, r)
	}
	id, rerr := g.pipe.RecordRefusal(r.Context(), requestID(r.Context()), pr, "", err)
	if rerr != nil {
		err = rerr
	}
	writeError(w, r, g.log, flavorDirectLine, err, id)
}

type dlTokenRequest struct {
	User *dlAccount `json:"user"`
}

type dlAccount struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

type dlConversationBody struct {
	ConversationID string `json:"conversationId"`
	Token          string `json:"token,omitempty"`
	ExpiresIn      int    `json:"expires_in,omitempty"`
	StreamURL      string `json:"streamUrl,omitempty"`
}

// validUserID accepts the user ids an app may bind a token to.
func validUserID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-.@:", c)) {
			return false
		}
	}
	return true
}

// dlGenerateToken exchanges an app secret for a token bound to one user and
// one new conversation.
func (g *Gateway) dlGenerateToken(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err == nil && !c.secret {
		err = apperr.New(apperr.KindForbidden, apperr.CodeInvalidCredential, "Tokens are generated with the app's secret, not with a token.")
	}
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	var body dlTokenRequest
	if err := g.readJSON(w, r, &body, true); err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	user := dlAccount{ID: identity.RandomID("dl_")}
	if body.User != nil {
		if !validUserID(body.User.ID) {
			g.dlRefuse(w, r, c.Principal, apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest,
				"user.id must be 1-128 characters of letters, digits and _-.@:"))
			return
		}
		user = dlAccount{ID: body.User.ID, Name: audit.Clean(body.User.Name)}
	}
	conv := ids.New("")
	g.issueToken(w, r, c.App, user, conv, http.StatusOK, false)
}

// issueToken signs a token, records the issue and writes the body.
func (g *Gateway) issueToken(w http.ResponseWriter, r *http.Request, app string, user dlAccount, conv string, status int, withStream bool) {
	g.issueTokenAt(w, r, app, user, conv, status, withStream, "")
}

// issueTokenAt is issueToken with a stream URL that resumes after the
// watermark wm (when not empty).
func (g *Gateway) issueTokenAt(w http.ResponseWriter, r *http.Request, app string, user dlAccount, conv string, status int, withStream bool, wm string) {
	ttl := g.appInfo[app].TokenTTL
	tok, exp, err := g.tokens.Issue(identity.TokenClaims{App: app, Subject: user.ID, Name: user.Name, ConversationID: conv}, ttl)
	pr := identity.Principal{App: app, Subject: user.ID}
	if err != nil {
		g.dlRefuse(w, r, pr, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "The token could not be issued."))
		return
	}
	id, err := g.pipe.Recorder.Record(r.Context(), withIDs(r.Context(), audit.Event{Type: audit.TypeTokenIssued, RequestID: requestID(r.Context()),
		Outcome: audit.OutcomeSuccess, Actor: user.ID, App: app,
		Data: map[string]any{"conversation_id": conv, "expires_at": exp.UTC().Format(time.RFC3339)}}))
	if err != nil {
		writeError(w, r, g.log, flavorDirectLine, err, "")
		return
	}
	body := dlConversationBody{ConversationID: conv, Token: tok, ExpiresIn: int(ttl.Round(time.Second).Seconds())}
	if withStream {
		body.StreamURL = streamURL(r, conv, tok, wm)
	}
	w.Header().Set("X-Palisade-Audit-Id", id)
	allowCORS(w, r)
	writeJSON(w, status, body)
}

// streamURL is the WebSocket address of a conversation's activity stream.
func streamURL(r *http.Request, conv, tok, wm string) string {
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: "/v3/directline/conversations/" + conv + "/stream"}
	q := url.Values{"t": {tok}}
	if wm != "" {
		q.Set("watermark", wm)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// dlRefreshToken renews a token that has not yet expired.
func (g *Gateway) dlRefreshToken(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err == nil && c.secret {
		err = apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "Refresh takes a token, not the app's secret.")
	}
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	g.issueToken(w, r, c.App, dlAccount{ID: c.Subject, Name: c.Name}, c.ConversationID, http.StatusOK, false)
}

// dlStartConversation starts (or, for a token whose conversation already
// exists, resumes) a conversation.
func (g *Gateway) dlStartConversation(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	entry, err := g.agentForApp(c.App)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	convID, user := c.ConversationID, dlAccount{ID: c.Subject, Name: c.Name}
	if c.secret {
		convID, user = ids.New(""), dlAccount{ID: identity.RandomID("dl_")}
	}
	now := g.now().UTC()
	conv := store.Conversation{ID: convID, Environment: entry.Environment, Region: entry.Region, Agent: entry.Name,
		App: c.App, User: user.ID, Channel: dlChannelID, CreatedAt: now, UpdatedAt: now}
	if entry.RetentionDays > 0 {
		conv.ExpiresAt = now.AddDate(0, 0, entry.RetentionDays)
	}
	status := http.StatusCreated
	_, _, err = g.pipe.Recorder.RecordWith(r.Context(), withIDs(r.Context(), audit.Event{Type: audit.TypeConversation, RequestID: requestID(r.Context()),
		Outcome: audit.OutcomeSuccess, Actor: user.ID, App: c.App, Agent: entry.Name,
		Data: map[string]any{"conversation_id": convID, "channel": dlChannelID}}), store.Record{Conversation: &conv})
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		// The token's conversation was started before: resume it.
		status = http.StatusOK
	case errors.Is(err, store.ErrNotFound):
		g.dlRefuse(w, r, c.Principal, storeError(err))
		return
	case err != nil:
		writeError(w, r, g.log, flavorDirectLine, err, "")
		return
	}
	g.issueToken(w, r, c.App, user, convID, status, true)
}

// agentForApp picks the agent a Direct Line conversation talks to: the
// first agent (in configuration order) that the app may reach.
func (g *Gateway) agentForApp(app string) (*AgentEntry, error) {
	for _, name := range g.appInfo[app].Agents {
		if e, ok := g.pipe.Agents[name]; ok {
			return e, nil
		}
	}
	return nil, apperr.New(apperr.KindForbidden, apperr.CodeAppNotAllowed, "This app may not reach any agent.")
}

// dlConversation loads the conversation named in the path and checks that
// the caller may use it: the same app, and for a token, its own
// conversation.
func (g *Gateway) dlConversation(r *http.Request, c dlCaller) (store.Conversation, error) {
	id := r.PathValue("id")
	if !c.secret && id != c.ConversationID {
		return store.Conversation{}, apperr.New(apperr.KindForbidden, apperr.CodeWrongConversation, "This token is not valid for that conversation.")
	}
	conv, err := g.store.GetConversation(r.Context(), id)
	if err != nil {
		return conv, storeError(err)
	}
	if conv.App != c.App {
		return store.Conversation{}, apperr.New(apperr.KindNotFound, apperr.CodeConversationGone, "The conversation does not exist.")
	}
	return conv, nil
}

// dlReconnect returns a fresh stream URL (and, for token callers, a fresh
// token) for an existing conversation.
func (g *Gateway) dlReconnect(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	conv, err := g.dlConversation(r, c)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	user := dlAccount{ID: c.Subject, Name: c.Name}
	if c.secret {
		user.ID = conv.User
	}
	g.issueTokenAt(w, r, c.App, user, conv.ID, http.StatusOK, true, strconv.FormatInt(wm, 10))
}

// activity is a Direct Line activity, as much of it as Palisade handles.
type activity struct {
	Type         string     `json:"type"`
	ID           string     `json:"id,omitempty"`
	Timestamp    string     `json:"timestamp,omitempty"`
	ChannelID    string     `json:"channelId,omitempty"`
	From         *dlAccount `json:"from,omitempty"`
	Conversation *struct {
		ID string `json:"id"`
	} `json:"conversation,omitempty"`
	Text        string          `json:"text,omitempty"`
	TextFormat  string          `json:"textFormat,omitempty"`
	Locale      string          `json:"locale,omitempty"`
	ReplyToID   string          `json:"replyToId,omitempty"`
	ChannelData json.RawMessage `json:"channelData,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Entities    json.RawMessage `json:"entities,omitempty"`
}

// dlPostActivity accepts a user's activity. A message is answered by the
// conversation's agent through the pipeline before this returns, so the
// reply is already in the transcript when the client reads it; a typing
// indicator is acknowledged and not stored.
func (g *Gateway) dlPostActivity(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	conv, err := g.dlConversation(r, c)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	var act activity
	if err := g.readJSON(w, r, &act, false); err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	switch act.Type {
	case "message":
	case "typing", "event":
		allowCORS(w, r)
		writeJSON(w, http.StatusOK, map[string]string{"id": ids.New(conv.ID + "|")})
		return
	case "":
		g.dlRefuse(w, r, c.Principal, apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "The activity has no \"type\"."))
		return
	default:
		g.dlRefuse(w, r, c.Principal, apperr.New(apperr.KindInvalid, apperr.CodeUnsupportedActivity, "Activities of type %q are not supported.", truncate(act.Type, 32)))
		return
	}
	if len(act.Attachments) > 0 && string(act.Attachments) != "null" && string(act.Attachments) != "[]" {
		g.dlRefuse(w, r, c.Principal, apperr.New(apperr.KindInvalid, apperr.CodeUnsupportedActivity, "Attachments are not supported; send text."))
		return
	}
	if strings.TrimSpace(act.Text) == "" {
		g.dlRefuse(w, r, c.Principal, apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "The message has no text."))
		return
	}
	// The sender is who the credential says, never what the activity says.
	from := dlAccount{ID: c.Subject, Name: c.Name, Role: "user"}
	if c.secret {
		from.ID = conv.User
		if act.From != nil && validUserID(act.From.ID) && conv.User == "" {
			from.ID = act.From.ID
		}
		if act.From != nil {
			from.Name = audit.Clean(act.From.Name)
		}
	}
	history, err := g.store.ListMessages(r.Context(), conv.ID, 0, 0)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, storeError(err))
		return
	}
	if len(history) > dlHistory {
		history = history[len(history)-dlHistory:]
	}
	var req agent.Request
	for _, m := range history {
		req.Messages = append(req.Messages, agent.Message{Role: m.Role, Content: m.Text})
	}
	req.Messages = append(req.Messages, agent.Message{Role: agent.RoleUser, Content: act.Text})
	req.User = from.ID

	userID, replyID := ids.New(conv.ID+"|"), ids.New(conv.ID+"|")
	userAct := activity{Type: "message", From: &from, Locale: act.Locale, TextFormat: act.TextFormat, ChannelData: boundedRaw(act.ChannelData)}
	bot := activity{Type: "message", From: &dlAccount{ID: conv.Agent, Name: conv.Agent, Role: "bot"}, ReplyToID: userID, TextFormat: "markdown", Locale: act.Locale}
	ex := &Exchange{
		RequestID: requestID(r.Context()), Channel: dlChannelID,
		Principal: identity.Principal{Kind: c.Kind, App: c.App, Subject: from.ID, Name: from.Name,
			DeviceCompliant: c.DeviceCompliant, Device: c.Device},
		Agent: conv.Agent, Request: req, ConversationID: conv.ID, ClientIP: g.clientIP(r),
		UserMessageID: userID, UserPayload: rawJSON(userAct), ReplyID: replyID, ReplyPayload: rawJSON(bot),
	}
	res, err := g.pipe.Run(r.Context(), ex, nil)
	if err != nil {
		writeError(w, r, g.log, flavorDirectLine, err, res.AuditID)
		return
	}
	g.hub.notify(conv.ID)
	w.Header().Set("X-Palisade-Audit-Id", res.AuditID)
	allowCORS(w, r)
	writeJSON(w, http.StatusOK, map[string]string{"id": userID})
}

// boundedRaw keeps small channel data (Web Chat's client activity id) and
// drops anything large.
func boundedRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || len(raw) > 4096 || string(raw) == "null" {
		return nil
	}
	return raw
}

type activitySet struct {
	Activities []activity `json:"activities"`
	Watermark  string     `json:"watermark,omitempty"`
}

// dlGetActivities returns the activities after the watermark.
func (g *Gateway) dlGetActivities(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, false)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	conv, err := g.dlConversation(r, c)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	set, _, err := g.activitiesAfter(r.Context(), conv, wm)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	allowCORS(w, r)
	writeJSON(w, http.StatusOK, set)
}

func parseWatermark(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "The watermark must be a non-negative number.")
	}
	return n, nil
}

// activitiesAfter builds the activity set after watermark wm and returns
// the new watermark.
func (g *Gateway) activitiesAfter(ctx context.Context, conv store.Conversation, wm int64) (activitySet, int64, error) {
	msgs, err := g.store.ListMessages(ctx, conv.ID, wm, dlPage)
	if err != nil {
		return activitySet{}, wm, storeError(err)
	}
	set := activitySet{Activities: []activity{}}
	for _, m := range msgs {
		set.Activities = append(set.Activities, toActivity(conv, m))
		wm = m.Seq
	}
	set.Watermark = strconv.FormatInt(wm, 10)
	return set, wm, nil
}

// toActivity rebuilds the activity for a transcript entry. The stored text
// (as guarded) is authoritative; the payload supplies the channel fields.
func toActivity(conv store.Conversation, m store.Message) activity {
	var a activity
	if len(m.Payload) > 0 {
		_ = json.Unmarshal(m.Payload, &a)
	}
	if a.Type == "" {
		a.Type = "message"
	}
	if a.From == nil {
		role := "user"
		if m.Role == agent.RoleAssistant {
			role = "bot"
		}
		a.From = &dlAccount{ID: m.From, Role: role}
	}
	a.ID = m.ID
	a.Text = m.Text
	a.Timestamp = m.CreatedAt.UTC().Format(time.RFC3339Nano)
	a.ChannelID = dlChannelID
	a.Conversation = &struct {
		ID string `json:"id"`
	}{ID: conv.ID}
	return a
}
