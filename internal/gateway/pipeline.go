package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/palisade-gw/palisade/internal/ids"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// AgentEntry is one configured agent, ready to serve, with the environment
// it runs in.
type AgentEntry struct {
	Name          string
	Description   string
	Environment   string
	Region        string
	RetentionDays int
	// Timeout bounds one whole answer, streaming included.
	Timeout time.Duration
	Agent   agent.Agent
	// Guard inspects what goes into and comes out of this agent under its
	// guard policy; nil means the pipeline's Guard.
	Guard guard.Guard
	// Upstream marks an agent that calls an OpenAI-compatible model
	// server; its calls are timed for the Observer.
	Upstream bool
	// UpstreamOrigin is the model server's scheme://host[:port], recorded
	// in audit events ("" for agents without one).
	UpstreamOrigin string
	// Tools are the tools the agent may call, for callers whose roles
	// grant them.
	Tools []agent.ToolSpec
}

// Exchange is one request travelling through the pipeline: who asks, which
// agent, what they said, and where the transcript goes.
type Exchange struct {
	RequestID string
	// Channel is the API the request came through: "openai" or "directline".
	Channel   string
	Principal identity.Principal
	Agent     string
	Request   agent.Request
	// ConversationID names an existing conversation to append to; when
	// empty a new conversation is created for this exchange.
	ConversationID string
	// UserMessageID and UserPayload describe the user's message in the
	// transcript (payload: channel-specific JSON). For a new conversation
	// every request message is written; for an existing one only the last
	// user message. Text is always written as guarded.
	UserMessageID string
	UserPayload   []byte
	// ReplyID is the message id to give the answer in the transcript.
	ReplyID string
	// ReplyPayload is channel-specific JSON stored with the answer.
	ReplyPayload []byte
	// Roles are the roles the caller held when the request was allowed.
	Roles []string
	// ClientIP is the client's address, for conditional access.
	ClientIP netip.Addr
	// Decision is the access decision, once the decide stage has run.
	Decision access.Decision

	// turn is the content guard's state for this exchange.
	turn guard.Turn
	// started is when the pipeline took the exchange; agentTime how long
	// the agent took to answer (streaming included), for the record.
	started   time.Time
	agentTime time.Duration
}

// Result is what a completed exchange produced.
type Result struct {
	Response       *agent.Response
	ConversationID string
	// Stored is the transcript entries written, the answer last.
	Stored  []store.Message
	AuditID string
}

// Pipeline runs the stages of DESIGN.md's request path in order: identify
// (done by the API handler, which knows its credential format), decide,
// guard in, agent, guard out, record. Each stage is a method so it can be
// tested on its own; Run strings them together and makes sure every refusal
// is recorded.
type Pipeline struct {
	Agents map[string]*AgentEntry
	Policy *access.Policy
	// Guard is the content guard of agents that have none of their own.
	Guard    guard.Guard
	Recorder audit.Recorder
	Store    store.Store
	Log      *slog.Logger
	Now      func() time.Time
	// Signals gives a signed-in user's sign-in history for the risk of
	// conditional access; nil means none.
	Signals func(ctx context.Context, pr identity.Principal) (int, []string, error)
	// Observer is told about each exchange, for metrics (observe.go);
	// nil means none.
	Observer Observer
	// Tools executes the tool calls of agents; nil means agents get no
	// tools.
	Tools ToolRunner

	// tracer makes the stage spans; nil takes the provider of the span
	// in the request's context.
	tracer trace.Tracer
}

// run takes ex through decide, guard in, the agent, guard out and record.
// When emit is non-nil the answer is streamed through it, after the stream
// guard. Every outcome is recorded; a refusal is returned as an error whose
// audit event id is in the returned Result (Result is never nil). Run
// (observe.go) calls it.
func (p *Pipeline) run(ctx context.Context, ex *Exchange, emit func(string) error) (*Result, error) {
	res := &Result{ConversationID: ex.ConversationID}
	if ex.started.IsZero() {
		ex.started = time.Now()
	}
	var entry *AgentEntry
	err := p.traced(ctx, stageDecide, func(ctx context.Context) (err error) {
		entry, err = p.decide(ctx, ex)
		return err
	})
	if err != nil {
		return p.refuse(ctx, ex, res, err)
	}
	if err := p.traced(ctx, stageGuardIn, func(ctx context.Context) error { return p.guardIn(ctx, ex, entry) }); err != nil {
		return p.refuse(ctx, ex, res, err)
	}
	if emit != nil {
		// A stream cannot be called back once it starts, so its record
		// must exist before the first byte leaves.
		err := p.traced(ctx, stageRecord, func(ctx context.Context) error {
			_, err := p.Recorder.Record(ctx, p.event(ctx, ex, audit.TypeChatStream, audit.OutcomeStarted, nil))
			return err
		})
		if err != nil {
			return res, err
		}
	}
	agentStart := time.Now()
	resp, err := p.answer(ctx, ex, entry, emit)
	ex.agentTime = time.Since(agentStart)
	if err != nil {
		return p.refuse(ctx, ex, res, err)
	}
	res.Response = resp
	if err := p.traced(ctx, stageRecord, func(ctx context.Context) error { return p.record(ctx, ex, entry, res) }); err != nil {
		return res, err
	}
	// The transcript holds the guarded answer; the caller is given it with
	// their own redacted values restored (as the policy says).
	if emit == nil {
		resp.Content = ex.turn.Deliver(resp.Content)
	}
	return res, nil
}

// Lookup returns the agent entry for name, or agent_not_found.
func (p *Pipeline) Lookup(name string) (*AgentEntry, error) {
	e, ok := p.Agents[name]
	if !ok {
		return nil, apperr.New(apperr.KindNotFound, apperr.CodeAgentNotFound, "There is no agent named %q.", truncate(name, 64))
	}
	return e, nil
}

// decide is the policy stage: the agent must exist, the principal's app
// must be allowed to reach it and a role the principal holds must grant
// its use. Anything not granted is refused. What the roles let the caller
// read is handed to the agent with the request.
func (p *Pipeline) decide(ctx context.Context, ex *Exchange) (*AgentEntry, error) {
	entry, err := p.Lookup(ex.Agent)
	if err != nil {
		return nil, err
	}
	req := access.Request{Principal: ex.Principal, Agent: ex.Agent, IP: ex.ClientIP, Now: p.now()}
	if p.Signals != nil && ex.Principal.Kind == identity.KindUser {
		if req.FailedSignIns, req.KnownCountries, err = p.Signals(ctx, ex.Principal); err != nil {
			return nil, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "The sign-in risk cannot be assessed now, so the request was refused.")
		}
	}
	d := p.Policy.Decide(req)
	ex.Decision = d
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(telemetry.AttrDecision.String(d.Reason), telemetry.AttrAgent.String(entry.Name))
	}
	if !d.Allow {
		return nil, denial(d, ex)
	}
	ex.Request.MayRead = d.MayRead
	ex.Request.NoKnowledge = d.Restriction().NoKnowledge
	ex.Roles = d.Grants.Roles()
	p.offerTools(ex, entry)
	return entry, nil
}

// decisionError is the cause of a policy refusal: the decision's reason,
// the roles the caller held and the conditional access policies that
// applied, for the audit event; and, for a step-up, what the new sign-in
// must satisfy.
type decisionError struct {
	Reason   string
	Roles    []string
	Policies []string
	// ACRValues and MaxAge are the step-up requirements (mfa-required).
	ACRValues []string
	MaxAge    time.Duration
}

func (e *decisionError) Error() string { return "access denied: " + e.Reason }

// denial turns a refusing decision into the refusal the caller sees.
func denial(d access.Decision, ex *Exchange) error {
	cause := &decisionError{Reason: d.Reason, Roles: d.Grants.Roles()}
	if d.Conditional != nil {
		cause.Policies = d.Conditional.Policies
		cause.ACRValues, cause.MaxAge = d.Conditional.ACRValues, d.Conditional.MaxAuthAge
	}
	switch d.Reason {
	case access.ReasonPolicyDenied:
		return &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodePolicyDenied, Err: cause,
			Message: "Access was denied by policy: " + d.Message()}
	case access.ReasonMFARequired:
		return &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeMFARequired, Err: cause,
			Message: "This request needs a recent multi-factor sign-in. Sign in again with a second factor and retry."}
	case access.ReasonUnknownApp:
		return &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodeAppNotRegistered, Err: cause,
			Message: "The request does not come through a registered app: the token's client is not listed under any app's client_ids. " +
				"Send the app's secret in the " + AppSecretHeader + " header, or register the client id."}
	case access.ReasonNoRole:
		return &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodePermissionDenied, Err: cause,
			Message: "You do not hold a role that allows using the agent " + ex.Agent + "."}
	}
	return &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodeAppNotAllowed, Err: cause,
		Message: "This app is not allowed to use the agent " + ex.Agent + "."}
}

// guardIn inspects every message the client sent before any agent sees it
// (earlier turns too: a client controls the whole history it sends). User
// messages and earlier answers are checked as the client's own text, system
// messages for sensitive data only, tool output as third-party content.
func (p *Pipeline) guardIn(ctx context.Context, ex *Exchange, entry *AgentEntry) error {
	g := entry.Guard
	if g == nil {
		g = p.Guard
	}
	if g == nil {
		g = guard.PassThrough{}
	}
	ex.turn = g.Begin(ctx, ex.Channel)
	users := 0
	for i := range ex.Request.Messages {
		m := &ex.Request.Messages[i]
		src := guard.FromHistory
		switch m.Role {
		case agent.RoleUser:
			src = guard.FromUser
			users++
		case agent.RoleSystem:
			src = guard.FromSystem
		case agent.RoleTool:
			src = guard.FromContent
		}
		v, err := ex.turn.Inspect(ctx, src, m.Content)
		if err != nil {
			return guardError(err, guard.Inbound)
		}
		switch v.Action {
		case guard.ActionBlock:
			if src == guard.FromContent {
				// Content the policy drops is withheld, not refused.
				m.Content = "[content withheld by policy]"
				continue
			}
			return blockedError(guard.Blocked(guard.Inbound, src, v))
		case guard.ActionRedact, guard.ActionMask:
			m.Content = v.Text
		}
	}
	if users == 0 {
		return apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "The conversation has no user message to answer.")
	}
	return nil
}

// guardError turns a failure of the guard into a refusal: a text over the
// policy's size limit is content_too_large; anything else means the guard
// could not decide, and the content does not pass (fail closed).
func guardError(err error, dir guard.Direction) error {
	if errors.Is(err, guard.ErrTooLarge) {
		what := "message"
		if dir == guard.Outbound {
			what = "answer"
		}
		return apperr.Wrap(err, apperr.KindTooLarge, apperr.CodeContentTooLarge, "The %s is larger than the content guard inspects, so it was refused.", what)
	}
	if dir == guard.Outbound {
		return apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeGuardUnavailable, "The content guard could not inspect the answer, so it was withheld.")
	}
	return apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeGuardUnavailable, "The content guard could not inspect the message, so it was refused.")
}

// blockedError is the refusal of blocked content: it names the categories
// and types found, never the values.
func blockedError(be *guard.BlockedError) error {
	what := "The message was blocked by content policy"
	if be.Direction == guard.Outbound {
		what = "The answer was withheld by content policy"
	}
	return &apperr.Error{Kind: apperr.KindForbidden, Code: apperr.CodeContentBlocked, Err: be,
		Message: what + ": it contains " + describeBlocked(be) + "."}
}

// describeBlocked says in words what was found.
func describeBlocked(be *guard.BlockedError) string {
	names := map[string]string{
		"pii": "personal data", "phi": "health information", "secret": "a secret",
		"injection": "an attempt to override the agent's instructions", "output": "unsafe output", "custom": "restricted data",
	}
	var parts []string
	for _, c := range be.Categories {
		n := names[c]
		if n == "" {
			n = c
		}
		parts = append(parts, n)
	}
	if len(parts) == 0 {
		parts = []string{"content the policy blocks"}
	}
	return strings.Join(parts, " and ") + " (" + strings.Join(be.Types, ", ") + ")"
}

// answer runs the agent under its timeout and passes what it says through
// the outbound guard. The response holds the guarded answer (as it is
// stored); a stream's pieces are emitted as the user is to see them.
func (p *Pipeline) answer(ctx context.Context, ex *Exchange, entry *AgentEntry, emit func(string) error) (*agent.Response, error) {
	if entry.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, entry.Timeout)
		defer cancel()
	}
	if emit == nil {
		var resp *agent.Response
		err := p.traced(ctx, stageAgent, func(sctx context.Context) (err error) {
			agentSpan(sctx, entry, false)
			if resp, err = entry.Agent.Complete(sctx, &ex.Request); err != nil {
				return agentError(ctx, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = p.traced(ctx, stageGuardOut, func(ctx context.Context) error {
			v, err := ex.turn.Answer(ctx, resp.Content)
			if err != nil {
				return guardError(err, guard.Outbound)
			}
			if v.Action == guard.ActionBlock {
				return blockedError(guard.Blocked(guard.Outbound, "", v))
			}
			resp.Content = v.Text
			return nil
		})
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
	sg := ex.turn.NewStream(ctx)
	send := func(s string, v guard.Verdict) error {
		if v.Action == guard.ActionBlock {
			return blockedError(guard.Blocked(guard.Outbound, "", v))
		}
		if s == "" {
			return nil
		}
		return emit(s)
	}
	// The stream's pieces are guarded as they arrive, within the agent
	// stage; the guard_out stage is what is held back until the end.
	var resp *agent.Response
	err := p.traced(ctx, stageAgent, func(sctx context.Context) (err error) {
		agentSpan(sctx, entry, true)
		resp, err = entry.Agent.Stream(sctx, &ex.Request, func(d agent.Delta) error {
			out, v, err := sg.Write(d.Content)
			if err != nil {
				return guardError(err, guard.Outbound)
			}
			return send(out, v)
		})
		if err != nil {
			return agentError(ctx, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = p.traced(ctx, stageGuardOut, func(context.Context) error {
		out, v, err := sg.Flush()
		if err != nil {
			return guardError(err, guard.Outbound)
		}
		return send(out, v)
	})
	if err != nil {
		return nil, err
	}
	resp.Content = sg.Guarded()
	return resp, nil
}

// agentError turns an agent failure into a refusal: a deadline set by the
// agent's timeout is upstream_timeout; anything that is already a refusal
// passes through.
func agentError(ctx context.Context, err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, "The agent did not answer in time.")
	}
	if errors.Is(err, context.Canceled) {
		return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidRequest, "The request was cancelled by the client.")
	}
	return apperr.Wrap(err, apperr.KindUpstream, apperr.CodeUpstreamError, "The agent failed to answer.")
}

// record is the last stage: the transcript and the audit event are made
// durable before the response leaves. Failure to do either refuses the
// request.
func (p *Pipeline) record(ctx context.Context, ex *Exchange, entry *AgentEntry, res *Result) error {
	now := p.now()
	var rec store.Record
	if res.ConversationID == "" {
		c := store.Conversation{
			ID:          ids.New("conv_"),
			Environment: entry.Environment,
			Region:      entry.Region,
			Agent:       entry.Name,
			App:         ex.Principal.App,
			User:        ex.Principal.Actor(),
			Channel:     ex.Channel,
			CreatedAt:   now,
			UpdatedAt:   now,
		}
		if entry.RetentionDays > 0 {
			c.ExpiresAt = now.AddDate(0, 0, entry.RetentionDays)
		}
		rec.Conversation = &c
		res.ConversationID = c.ID
	}
	text := res.Response.Content
	if ex.Channel == dlChannelID && ex.turn != nil {
		// Direct Line clients read the answer from the transcript.
		text = ex.turn.Escape(text)
	}
	reply := store.Message{ID: ex.ReplyID, Role: agent.RoleAssistant, From: entry.Name, Text: text, Payload: ex.ReplyPayload}
	if reply.ID == "" {
		reply.ID = ids.New("msg_")
	}
	rec.Messages = append(transcriptOf(ex, ex.ConversationID == ""), reply)
	for i := range rec.Messages {
		rec.Messages[i].ConversationID = res.ConversationID
		rec.Messages[i].CreatedAt = now
	}
	data := map[string]any{
		"conversation_id": res.ConversationID,
		"channel":         ex.Channel,
		"roles":           ex.Roles,
		"device":          ex.Principal.Device,
		"prompt_chars":    len(ex.Request.LastUserText()),
		"answer_chars":    len(res.Response.Content),
		"model":           res.Response.Model,
		"finish_reason":   res.Response.FinishReason,
		"usage": map[string]int{
			"prompt_tokens":     res.Response.Usage.PromptTokens,
			"completion_tokens": res.Response.Usage.CompletionTokens,
		},
	}
	if ex.turn != nil {
		if sum := ex.turn.Summary(); !sum.Empty() {
			data["guard"] = sum.Data()
		}
	}
	if !ex.started.IsZero() {
		data["latency_ms"] = time.Since(ex.started).Milliseconds()
		data["agent_ms"] = ex.agentTime.Milliseconds()
	}
	if entry.UpstreamOrigin != "" {
		data["upstream"] = entry.UpstreamOrigin
	}
	if c := ex.Decision.Conditional; c != nil && len(c.Policies) > 0 {
		data["policies"] = c.Policies
	}
	id, stored, err := p.Recorder.RecordWith(ctx, p.event(ctx, ex, audit.TypeChatCompletion, audit.OutcomeSuccess, data), rec)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) {
			return storeError(err)
		}
		return err
	}
	res.AuditID = id
	res.Stored = stored.Messages
	return nil
}

// transcriptOf returns the transcript entries for the request's messages
// (as guarded): all of them, or only the last user message.
func transcriptOf(ex *Exchange, all bool) []store.Message {
	var out []store.Message
	for i, m := range ex.Request.Messages {
		last := i == len(ex.Request.Messages)-1
		if !all && !(last && m.Role == agent.RoleUser) {
			continue
		}
		from := ex.Principal.Actor()
		if m.Role != agent.RoleUser {
			from = m.Role
		}
		msg := store.Message{ID: ids.New("msg_"), Role: m.Role, From: from, Text: m.Content}
		if last && m.Role == agent.RoleUser {
			if ex.UserMessageID != "" {
				msg.ID = ex.UserMessageID
			}
			msg.Payload = ex.UserPayload
		}
		out = append(out, msg)
	}
	return out
}

// refuse records a refusal and returns it with its audit event id in res.
// If the refusal itself cannot be recorded, the answer is audit_unavailable.
func (p *Pipeline) refuse(ctx context.Context, ex *Exchange, res *Result, err error) (*Result, error) {
	var sum guard.Summary
	if ex.turn != nil {
		sum = ex.turn.Summary()
	}
	var id string
	rerr := p.traced(ctx, stageRecord, func(ctx context.Context) (rerr error) {
		id, rerr = p.recordRefusal(ctx, ex.RequestID, ex.Principal, ex.Agent, err, sum)
		return rerr
	})
	if rerr != nil {
		return res, rerr
	}
	res.AuditID = id
	return res, err
}

// RecordRefusal records that a request was refused with err, and returns
// the event id. Handlers call it for refusals that happen before the
// pipeline runs (malformed JSON, bad credentials).
func (p *Pipeline) RecordRefusal(ctx context.Context, requestID string, pr identity.Principal, agentName string, err error) (string, error) {
	noteCaller(ctx, pr.App, agentName) // for the Observer (observe.go)
	p.annotate(ctx, pr.App, agentName)
	return p.recordRefusal(ctx, requestID, pr, agentName, err, guard.Summary{})
}

func (p *Pipeline) recordRefusal(ctx context.Context, requestID string, pr identity.Principal, agentName string, err error, sum guard.Summary) (string, error) {
	e := apperr.As(err)
	outcome := audit.OutcomeDenied
	if s := StatusOf(e); s >= 500 {
		outcome = audit.OutcomeError
	}
	ev := audit.Event{
		Type: audit.TypeRequestRefused, RequestID: requestID, Outcome: outcome,
		Actor: pr.Actor(), App: pr.App, Agent: agentName,
		Data: map[string]any{"code": e.Code, "kind": string(e.Kind), "status": StatusOf(e)},
	}
	var de *decisionError
	if errors.As(err, &de) {
		ev.Data["reason"] = de.Reason
		ev.Data["roles"] = de.Roles
		if len(de.Policies) > 0 {
			ev.Data["policies"] = de.Policies
		}
	}
	if pr.Kind != "" {
		ev.Data["credential"] = pr.Kind
	}
	if !sum.Empty() {
		ev.Data["guard"] = sum.Data()
	}
	var be *guard.BlockedError
	if errors.As(err, &be) {
		ev.Data["blocked"] = map[string]any{"direction": string(be.Direction), "types": be.Types, "categories": be.Categories}
	}
	return p.Recorder.Record(ctx, withIDs(ctx, ev))
}

func (p *Pipeline) event(ctx context.Context, ex *Exchange, typ, outcome string, data map[string]any) audit.Event {
	return withIDs(ctx, audit.Event{
		Type: typ, RequestID: ex.RequestID, Outcome: outcome,
		Actor: ex.Principal.Actor(), App: ex.Principal.App, Agent: ex.Agent, Data: data,
	})
}

// agentSpan describes the agent stage: which agent, and whether it
// streams.
func agentSpan(ctx context.Context, entry *AgentEntry, stream bool) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(telemetry.AttrAgent.String(entry.Name), telemetry.AttrStream.Bool(stream))
	}
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// storeError maps a storage failure to a refusal.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apperr.Wrap(err, apperr.KindNotFound, apperr.CodeConversationGone, "The conversation does not exist.")
	case errors.Is(err, store.ErrAlreadyExists):
		return apperr.Wrap(err, apperr.KindConflict, apperr.CodeConflict, "An item with this id already exists.")
	}
	return apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "The conversation store cannot be reached, so the request was refused.")
}

// rawJSON marshals v, for payloads built from typed values that cannot fail.
func rawJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("gateway: marshal payload: " + err.Error())
	}
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
