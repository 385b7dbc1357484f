package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/guard"
)

// Observer is told what the gateway does, for monitoring (Prometheus
// metrics). Every value it is given is low in cardinality: agent and app
// names come from the configuration (a name that is not configured is
// reported as ""), outcomes and codes from fixed sets; it never sees user
// ids, request ids or text. Its methods are called on the request path and
// must be safe for concurrent use and must not block.
type Observer interface {
	// ObserveRequest is called once when an API request ends that
	// reached an agent (an exchange through the pipeline) or was
	// refused. Successful requests that do not reach an agent (Direct
	// Line token and conversation calls, reading activities, listing
	// models) are not reported.
	ObserveRequest(RequestStats)
	// ObserveDecision is called with every access decision the pipeline
	// makes (once per exchange whose agent exists).
	ObserveDecision(access.Decision)
	// ObserveUpstream is called when a call to an agent marked Upstream
	// ends, with how long it took to the complete answer or the error and
	// one of the Upstream* outcomes.
	ObserveUpstream(agent, outcome string, d time.Duration)
	// ObserveGuard is called once per exchange with what the content
	// guard found in it (not called when it found nothing).
	ObserveGuard(guard.Summary)
}

// The APIs a request is reported under.
const (
	APIOpenAI     = "openai"
	APIDirectLine = "directline"
)

// CodeOK is the code reported for a request that succeeded.
const CodeOK = "ok"

// Outcomes of an upstream agent call.
const (
	// UpstreamSuccess: the complete answer arrived.
	UpstreamSuccess = "success"
	// UpstreamError: the upstream failed or refused (unreachable, an
	// error status, a malformed reply, rate limited).
	UpstreamError = "error"
	// UpstreamTimeout: the agent's timeout or the upstream client's own
	// timeouts ran out.
	UpstreamTimeout = "timeout"
	// UpstreamCanceled: the client went away.
	UpstreamCanceled = "canceled"
	// UpstreamAborted: the gateway stopped reading the stream (the
	// outbound guard withheld the answer, or writing to the client
	// failed).
	UpstreamAborted = "aborted"
)

// RequestStats describes one API request that ended.
type RequestStats struct {
	// API is APIOpenAI or APIDirectLine.
	API string
	// Agent is the agent asked for, "" when none (or one that is not
	// configured) was named.
	Agent string
	// App is the caller's registered app, "" when not known.
	App string
	// Outcome is audit.OutcomeSuccess, audit.OutcomeDenied (a refusal
	// with a 4xx status) or audit.OutcomeError (5xx).
	Outcome string
	// Code is CodeOK or the refusal's error code (apperr.Code*).
	Code string
	// Duration is the time from the request's arrival to the end of its
	// handler, the whole stream included.
	Duration time.Duration
}

// tally collects what a request's handler learns about it, for the one
// report made when the request ends.
type tally struct {
	mu      sync.Mutex
	agent   string
	app     string
	counted bool
	err     error
}

type tallyKey struct{}

func tallyOf(ctx context.Context) *tally {
	t, _ := ctx.Value(tallyKey{}).(*tally)
	return t
}

// noteCaller records the app and agent a request is for; empty values
// keep what is known.
func noteCaller(ctx context.Context, app, agentName string) {
	t := tallyOf(ctx)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if app != "" {
		t.app = app
	}
	if agentName != "" {
		t.agent = agentName
	}
}

// noteResult marks the request as one to report and records how it ended
// (err nil for success; the last refusal noted wins).
func noteResult(ctx context.Context, err error) {
	t := tallyOf(ctx)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counted = true
	if err != nil {
		t.err = err
	}
}

// observed reports every request to the OpenAI-compatible and Direct Line
// APIs that reached an agent or was refused, once, when its handler
// returns (panics included).
func (g *Gateway) observed(next http.Handler) http.Handler {
	if g.obs == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := ""
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			api = APIOpenAI
		case strings.HasPrefix(r.URL.Path, "/v3/directline/"):
			api = APIDirectLine
		default:
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		t := &tally{}
		r = r.WithContext(context.WithValue(r.Context(), tallyKey{}, t))
		done := false
		defer func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if !done {
				// The handler panicked; the ingress answers with an
				// internal error.
				t.counted, t.err = true, apperr.New(apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
			}
			if !t.counted {
				return
			}
			st := RequestStats{API: api, Outcome: audit.OutcomeSuccess, Code: CodeOK, Duration: time.Since(start)}
			if _, ok := g.pipe.Agents[t.agent]; ok {
				st.Agent = t.agent
			}
			if _, ok := g.appInfo[t.app]; ok {
				st.App = t.app
			}
			if t.err != nil {
				e := apperr.As(t.err)
				st.Outcome, st.Code = audit.OutcomeDenied, e.Code
				if StatusOf(e) >= 500 {
					st.Outcome = audit.OutcomeError
				}
			}
			g.obs.ObserveRequest(st)
		}()
		next.ServeHTTP(w, r)
		done = true
	})
}

// Run takes ex through decide, guard in, the agent, guard out and record
// (see run), and reports the exchange, its access decision and what the
// content guard found to the observer. Result is never nil.
func (p *Pipeline) Run(ctx context.Context, ex *Exchange, emit func(string) error) (*Result, error) {
	res, err := p.run(ctx, ex, emit)
	p.annotate(ctx, ex.Principal.App, ex.Agent)
	if p.Observer != nil {
		noteCaller(ctx, ex.Principal.App, ex.Agent)
		noteResult(ctx, err)
		if ex.Decision.Reason != "" {
			p.Observer.ObserveDecision(ex.Decision)
		}
		if ex.turn != nil {
			if sum := ex.turn.Summary(); !sum.Empty() {
				p.Observer.ObserveGuard(sum)
			}
		}
	}
	return res, err
}

// observeAgents returns agents with each Upstream agent's calls timed for
// obs. The entries are copied; the caller's are left as they are.
func observeAgents(agents map[string]*AgentEntry, obs Observer) map[string]*AgentEntry {
	if obs == nil {
		return agents
	}
	out := make(map[string]*AgentEntry, len(agents))
	for name, e := range agents {
		if e != nil && e.Upstream {
			c := *e
			c.Agent = &timedAgent{Agent: e.Agent, name: name, obs: obs}
			e = &c
		}
		out[name] = e
	}
	return out
}

// timedAgent reports how long each call to an upstream agent takes.
type timedAgent struct {
	agent.Agent
	name string
	obs  Observer
}

// Complete times the agent's Complete.
func (a *timedAgent) Complete(ctx context.Context, req *agent.Request) (*agent.Response, error) {
	start := time.Now()
	resp, err := a.Agent.Complete(ctx, req)
	a.obs.ObserveUpstream(a.name, upstreamOutcome(ctx, err, false), time.Since(start))
	return resp, err
}

// Stream times the agent's Stream, to its last piece or its error.
func (a *timedAgent) Stream(ctx context.Context, req *agent.Request, emit func(agent.Delta) error) (*agent.Response, error) {
	start := time.Now()
	stopped := false
	resp, err := a.Agent.Stream(ctx, req, func(d agent.Delta) error {
		if err := emit(d); err != nil {
			stopped = true
			return err
		}
		return nil
	})
	a.obs.ObserveUpstream(a.name, upstreamOutcome(ctx, err, stopped), time.Since(start))
	return resp, err
}

// upstreamOutcome classifies how an upstream call ended. stopped means the
// gateway's own callback ended the stream.
func upstreamOutcome(ctx context.Context, err error, stopped bool) string {
	switch {
	case err == nil:
		return UpstreamSuccess
	case stopped:
		return UpstreamAborted
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		apperr.KindOf(err) == apperr.KindUpstreamTimeout:
		return UpstreamTimeout
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return UpstreamCanceled
	}
	return UpstreamError
}
