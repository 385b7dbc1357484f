package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
)

// Limits on the shape of a chat request, beyond the body size limit.
const (
	maxMessages   = 256
	maxStopTokens = 4
)

// chatRequest is the subset of OpenAI's chat completion request that
// Palisade understands. Other fields are ignored, as OpenAI-compatible
// servers do, except those that would change semantics in a way Palisade
// cannot honour (n > 1, client-supplied tools), which are refused.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	N                   *int            `json:"n"`
	Stop                json.RawMessage `json:"stop"`
	User                string          `json:"user"`
	Tools               json.RawMessage `json:"tools"`
	Functions           json.RawMessage `json:"functions"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	Name    string          `json:"name,omitempty"`
}

type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func invalid(param, format string, args ...any) error {
	return apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, format, args...)
}

// toAgentRequest validates the wire request and converts it.
func (cr *chatRequest) toAgentRequest() (agent.Request, error) {
	var req agent.Request
	if strings.TrimSpace(cr.Model) == "" {
		return req, invalid("model", "The field \"model\" is required: name the agent to talk to.")
	}
	if len(cr.Messages) == 0 {
		return req, invalid("messages", "The field \"messages\" must hold at least one message.")
	}
	if len(cr.Messages) > maxMessages {
		return req, invalid("messages", "At most %d messages are accepted in one request.", maxMessages)
	}
	if cr.N != nil && *cr.N != 1 {
		return req, invalid("n", "Only n=1 is supported.")
	}
	if len(cr.Tools) > 0 && string(cr.Tools) != "null" || len(cr.Functions) > 0 && string(cr.Functions) != "null" {
		return req, invalid("tools", "Client-supplied tools are not accepted: an agent's tools are declared in Palisade's configuration.")
	}
	for i, m := range cr.Messages {
		role := m.Role
		if role == "developer" {
			role = agent.RoleSystem
		}
		switch role {
		case agent.RoleSystem, agent.RoleUser, agent.RoleAssistant:
		case "":
			return req, invalid("messages", "messages[%d] has no \"role\".", i)
		default:
			return req, invalid("messages", "messages[%d] has role %q; use system, user or assistant.", i, truncate(m.Role, 32))
		}
		text, err := messageText(m.Content)
		if err != nil {
			return req, invalid("messages", "messages[%d]: %s", i, err.Error())
		}
		req.Messages = append(req.Messages, agent.Message{Role: role, Content: text, Name: m.Name})
	}
	if cr.MaxCompletionTokens != nil {
		req.MaxTokens = *cr.MaxCompletionTokens
	} else if cr.MaxTokens != nil {
		req.MaxTokens = *cr.MaxTokens
	}
	if req.MaxTokens < 0 {
		return req, invalid("max_tokens", "max_tokens must not be negative.")
	}
	if cr.Temperature != nil && (*cr.Temperature < 0 || *cr.Temperature > 2) {
		return req, invalid("temperature", "temperature must be between 0 and 2.")
	}
	if cr.TopP != nil && (*cr.TopP < 0 || *cr.TopP > 1) {
		return req, invalid("top_p", "top_p must be between 0 and 1.")
	}
	req.Temperature, req.TopP = cr.Temperature, cr.TopP
	stop, err := stopList(cr.Stop)
	if err != nil {
		return req, err
	}
	req.Stop = stop
	return req, nil
}

// messageText accepts OpenAI's two content forms: a string, or an array of
// parts of which only text parts are supported.
func messageText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if raw[0] != '[' {
		return "", apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "content must be a string or an array of parts")
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "content parts must be objects with \"type\" and \"text\"")
	}
	var b strings.Builder
	for j, p := range parts {
		if p.Type != "text" {
			return "", apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "content part %d has type %q; only text is supported", j, truncate(p.Type, 32))
		}
		if j > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

func stopList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) > maxStopTokens {
		return nil, invalid("stop", "stop must be a string or an array of at most %d strings.", maxStopTokens)
	}
	return many, nil
}

// AppSecretHeader carries an app's credential alongside a user's access
// token, for apps whose tokens the identity provider does not mark with a
// registered client id.
const AppSecretHeader = "Palisade-App-Secret"

// identifyAPI is the identify stage for the OpenAI-compatible API. The
// bearer credential is one of: an app secret (the end user is what the
// request's "user" field says, unverified); a Direct Line token (bound to
// its user); or a user's access token from a configured identity provider
// (the user is verified; the app is the one registered for the token's
// client id, or the one whose secret is sent in Palisade-App-Secret).
func (g *Gateway) identifyAPI(ctx context.Context, r *http.Request, user string) (identity.Principal, error) {
	ctx, span := g.pipe.startStage(ctx, stageIdentify)
	pr, err := g.identifyCredential(ctx, r, user)
	pr = withDevice(r, pr)
	identified(span, pr, err)
	return pr, err
}

func (g *Gateway) identifyCredential(ctx context.Context, r *http.Request, user string) (identity.Principal, error) {
	cred, err := identity.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return identity.Principal{}, err
	}
	appSecret := r.Header.Get(AppSecretHeader)
	if app, err := g.apps.Authenticate(ctx, cred); err == nil {
		if appSecret != "" {
			return identity.Principal{}, errAppSecretWithoutUser
		}
		return identity.Principal{Kind: identity.KindApp, App: app, Subject: audit.Clean(user)}, nil
	}
	switch identity.JWTAlgorithm(cred) {
	case "":
		return identity.Principal{}, identity.ErrInvalidCredential
	case identity.TokenAlgorithm:
		if appSecret != "" {
			return identity.Principal{}, errAppSecretWithoutUser
		}
		if identity.IsSessionToken(cred) {
			return g.sessionPrincipal(ctx, cred)
		}
		c, err := g.directLineToken(ctx, cred)
		if err != nil {
			return identity.Principal{}, err
		}
		return identity.Principal{Kind: identity.KindDirectLineToken, App: c.App, Subject: c.Subject, Name: c.Name}, nil
	}
	if g.users == nil {
		return identity.Principal{}, errNoIssuers
	}
	pr, err := g.users.Authenticate(ctx, cred)
	if err != nil {
		return identity.Principal{}, err
	}
	if appSecret != "" {
		app, err := g.apps.Authenticate(ctx, appSecret)
		if err != nil {
			return pr, apperr.New(apperr.KindUnauthenticated, apperr.CodeInvalidCredential, "The app credential in the %s header is not valid.", AppSecretHeader)
		}
		if pr.App != "" && pr.App != app {
			return pr, apperr.New(apperr.KindUnauthenticated, apperr.CodeInvalidCredential,
				"The token was issued to another app than the one whose credential was sent in %s.", AppSecretHeader)
		}
		pr.App = app
	}
	return pr, nil
}

// sessionPrincipal is the signed-in user behind a session token from
// Palisade's own page. The session is looked up on every use, so a revoked
// session stops working on the next request.
func (g *Gateway) sessionPrincipal(ctx context.Context, cred string) (identity.Principal, error) {
	app, sid, err := g.tokens.VerifySession(cred)
	if err != nil {
		return identity.Principal{}, err
	}
	if g.signin == nil {
		return identity.Principal{}, identity.ErrInvalidCredential
	}
	s, err := g.signin.Lookup(ctx, sid)
	if err != nil {
		return identity.Principal{}, err
	}
	pr := s.Principal
	pr.App = app
	return pr, nil
}

var (
	errAppSecretWithoutUser = apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest,
		"The "+AppSecretHeader+" header goes with a user's access token, not with an app secret or a Direct Line token.")
	errNoIssuers = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeInvalidToken,
		Message: "This token is not accepted: no identity provider is configured (identity.issuers)."}
)

// chatCompletions serves POST /v1/chat/completions.
func (g *Gateway) chatCompletions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid := requestID(ctx)
	var cr chatRequest
	var pr identity.Principal
	refuse := func(err error) {
		id, rerr := g.pipe.RecordRefusal(ctx, rid, pr, cr.Model, err)
		if rerr != nil {
			err = rerr
		}
		writeError(w, r, g.log, flavorOpenAI, err, id)
	}
	// Identify before reading the body, so that anonymous callers cannot
	// make Palisade parse large inputs.
	pr, err := g.identifyAPI(ctx, r, "")
	if err != nil {
		refuse(err)
		return
	}
	if err := g.readJSON(w, r, &cr, false); err != nil {
		refuse(err)
		return
	}
	if pr.Kind == identity.KindApp {
		pr.Subject = audit.Clean(cr.User)
	}
	areq, err := cr.toAgentRequest()
	if err != nil {
		refuse(err)
		return
	}
	areq.User = pr.Actor()
	ex := &Exchange{
		RequestID: rid, Channel: "openai", Principal: pr, Agent: cr.Model, Request: areq, ClientIP: g.clientIP(r),
	}
	if !cr.Stream {
		res, err := g.pipe.Run(ctx, ex, nil)
		if err != nil {
			writeError(w, r, g.log, flavorOpenAI, err, res.AuditID)
			return
		}
		w.Header().Set("X-Palisade-Audit-Id", res.AuditID)
		writeJSON(w, http.StatusOK, completionBody(rid, cr.Model, g.now(), res.Response))
		return
	}
	g.streamCompletion(w, r, ex, cr.StreamOptions != nil && cr.StreamOptions.IncludeUsage)
}

type completion struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"`
	Created           int64              `json:"created"`
	Model             string             `json:"model"`
	Choices           []completionChoice `json:"choices"`
	Usage             *usageBody         `json:"usage,omitempty"`
	SystemFingerprint *string            `json:"system_fingerprint"`
}

type completionChoice struct {
	Index        int          `json:"index"`
	Message      *messageBody `json:"message,omitempty"`
	Delta        *messageBody `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
	Logprobs     *struct{}    `json:"logprobs"`
}

type messageBody struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

type usageBody struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func usageOf(u agent.Usage) *usageBody {
	return &usageBody{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

func completionBody(rid, model string, now time.Time, resp *agent.Response) completion {
	fr := resp.FinishReason
	if fr == "" {
		fr = "stop"
	}
	content := resp.Content
	return completion{
		ID: "chatcmpl-" + strings.TrimPrefix(rid, "req_"), Object: "chat.completion", Created: now.Unix(), Model: model,
		Choices: []completionChoice{{Message: &messageBody{Role: agent.RoleAssistant, Content: &content}, FinishReason: &fr}},
		Usage:   usageOf(resp.Usage),
	}
}

// streamCompletion answers with server-sent events in OpenAI's chunk
// format. Refusals before the first chunk are ordinary error responses;
// failures after it are an error event, and the stream ends without
// [DONE], which OpenAI's clients report as an error.
func (g *Gateway) streamCompletion(w http.ResponseWriter, r *http.Request, ex *Exchange, includeUsage bool) {
	rc := http.NewResponseController(w)
	id := "chatcmpl-" + strings.TrimPrefix(ex.RequestID, "req_")
	created := g.now().Unix()
	started := false
	chunk := func(delta *messageBody, finish *string, usage *usageBody) error {
		c := completion{ID: id, Object: "chat.completion.chunk", Created: created, Model: ex.Agent, Usage: usage,
			Choices: []completionChoice{}}
		if delta != nil || finish != nil {
			if delta == nil {
				delta = &messageBody{}
			}
			c.Choices = []completionChoice{{Delta: delta, FinishReason: finish}}
		}
		return writeSSE(w, rc, rawJSON(c))
	}
	start := func() error {
		if started {
			return nil
		}
		started = true
		// The server's write timeout is for ordinary responses; a stream
		// is bounded by the agent's own timeout instead.
		_ = rc.SetWriteDeadline(time.Time{})
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		empty := ""
		return chunk(&messageBody{Role: agent.RoleAssistant, Content: &empty}, nil, nil)
	}
	res, err := g.pipe.Run(r.Context(), ex, func(s string) error {
		if err := start(); err != nil {
			return err
		}
		return chunk(&messageBody{Content: &s}, nil, nil)
	})
	if err != nil {
		if !started {
			writeError(w, r, g.log, flavorOpenAI, err, res.AuditID)
			return
		}
		e := apperr.As(err)
		d := errorDetail{Message: e.Message, Type: openAIType[e.Kind], Code: e.Code, RequestID: ex.RequestID, AuditEventID: res.AuditID}
		refused(r.Context(), e)
		g.log.WarnContext(r.Context(), "stream ended by error", "request_id", ex.RequestID, "code", e.Code, "cause", errString(e.Err))
		_ = writeSSE(w, rc, rawJSON(errorBody{Error: d}))
		return
	}
	if err := start(); err != nil {
		return
	}
	fr := res.Response.FinishReason
	if fr == "" {
		fr = "stop"
	}
	if chunk(nil, &fr, nil) != nil {
		return
	}
	if includeUsage && chunk(nil, nil, usageOf(res.Response.Usage)) != nil {
		return
	}
	_ = writeSSE(w, rc, []byte("[DONE]"))
}

// writeSSE writes one server-sent event and flushes it.
func writeSSE(w http.ResponseWriter, rc *http.ResponseController, data []byte) error {
	buf := make([]byte, 0, len(data)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, err := w.Write(buf); err != nil {
		return err
	}
	return rc.Flush()
}

type modelBody struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Created     int64  `json:"created"`
	OwnedBy     string `json:"owned_by"`
	Description string `json:"description,omitempty"`
}

// listModels serves GET /v1/models: the agents this caller may use.
func (g *Gateway) listModels(w http.ResponseWriter, r *http.Request) {
	pr, err := g.identifyAPI(r.Context(), r, "")
	if err != nil {
		id, rerr := g.pipe.RecordRefusal(r.Context(), requestID(r.Context()), pr, "", err)
		if rerr != nil {
			err = rerr
		}
		writeError(w, r, g.log, flavorOpenAI, err, id)
		return
	}
	allowed := g.pipe.Policy.Agents(pr)
	data := []modelBody{}
	for name := range allowed {
		if e, ok := g.pipe.Agents[name]; ok {
			data = append(data, modelBody{ID: name, Object: "model", OwnedBy: "palisade", Description: e.Description})
		}
	}
	sort.Slice(data, func(i, j int) bool { return data[i].ID < data[j].ID })
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// getModel serves GET /v1/models/{model}.
func (g *Gateway) getModel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("model")
	pr, err := g.identifyAPI(r.Context(), r, "")
	if err == nil {
		var e *AgentEntry
		if e, err = g.pipe.Lookup(name); err == nil {
			if !g.pipe.Policy.Agents(pr)[name] {
				err = apperr.New(apperr.KindNotFound, apperr.CodeAgentNotFound, "There is no agent named %q.", truncate(name, 64))
			} else {
				writeJSON(w, http.StatusOK, modelBody{ID: name, Object: "model", OwnedBy: "palisade", Description: e.Description})
				return
			}
		}
	}
	id, rerr := g.pipe.RecordRefusal(r.Context(), requestID(r.Context()), pr, name, err)
	if rerr != nil {
		err = rerr
	}
	writeError(w, r, g.log, flavorOpenAI, err, id)
}
