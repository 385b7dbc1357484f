package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/signin"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// AppInfo is a registered client app as the gateway needs it.
type AppInfo struct {
	Name string
	// Secrets are the app's active secrets (resolved values).
	Secrets []string
	// Agents the app may reach.
	Agents []string
	// Origins are the browser origins allowed to use the app.
	Origins []string
	// TokenTTL is the lifetime of Direct Line tokens for this app.
	TokenTTL time.Duration
}

// Options configure a Gateway.
type Options struct {
	Agents map[string]*AgentEntry
	Apps   []AppInfo
	// Roles grant permissions; nothing is allowed that no role grants.
	Roles []access.Role
	// Conditions are the conditional access policies; nil means none.
	Conditions *conditional.Engine
	// TrustedProxies are reverse proxies whose X-Forwarded-For header
	// names the client; none by default.
	TrustedProxies []netip.Prefix
	// SignIn signs browsers in and keeps their sessions; nil means no
	// browser sign-in (and no start page).
	SignIn *signin.Service
	// SessionApp is the app through which signed-in browsers use agents
	// from Palisade's own page; "" disables chatting there.
	SessionApp string
	// IdP is the built-in identity provider's handler, served under
	// /idp/; nil when it is off.
	IdP http.Handler
	// PublicOrigin is scheme://host[:port] as browsers reach Palisade.
	PublicOrigin string
	// Signals returns a signed-in user's recent failed sign-ins and the
	// countries they signed in from, for the sign-in risk of conditional
	// access; nil means none are known. An error refuses the request.
	Signals func(ctx context.Context, pr identity.Principal) (failedSignIns int, knownCountries []string, err error)
	// Users authenticates users' access tokens from configured identity
	// providers; nil means no provider is configured.
	Users    *identity.AccessTokens
	Store    store.Store
	Recorder audit.Recorder
	// Guard inspects content; nil means pass-through.
	Guard guard.Guard
	// TokenKey signs Direct Line tokens (32 bytes or more), shared by all
	// replicas.
	TokenKey []byte
	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PollInterval is how often Direct Line streams look for activities
	// written by other replicas (default 1s).
	PollInterval time.Duration
	// Observer is told about requests, access decisions, upstream calls
	// and guard findings, for metrics; nil means none.
	Observer Observer
	// Tools executes agents' tool calls; nil gives agents no tools.
	Tools ToolRunner
	// TokenEndpoint, when set, serves POST /oauth2/token: the built-in
	// provider's token endpoint, where service principals get tokens.
	TokenEndpoint http.Handler
	// AssertionKeys, when set, is served at AssertionKeysPath: the public
	// keys that verify the user assertions sent to tools.
	AssertionKeys http.Handler
	// TracerProvider makes the spans of the request path (a server span
	// per request, a child span per pipeline stage); nil means
	// telemetry.IDsOnly(), which records nothing but still gives every
	// request a trace id for its audit events, logs and outbound calls.
	TracerProvider trace.TracerProvider
	// TrustIncomingTraceContext makes a client's traceparent the parent
	// of its request's span. By default a request starts a trace of its
	// own and links to the client's.
	TrustIncomingTraceContext bool
}

// tracerName is the instrumentation scope of the gateway's spans.
const tracerName = "github.com/palisade-gw/palisade/internal/gateway"

// AssertionKeysPath serves the JWKS that verifies the signed user
// assertions Palisade sends to tools.
const AssertionKeysPath = "/.well-known/palisade-assertion-keys"

// Gateway is Palisade's HTTP front: the OpenAI-compatible API, the Direct
// Line API and health endpoints, all running requests through one Pipeline.
type Gateway struct {
	pipe *Pipeline
	// assertKeys serves the user assertion keys (nil: not served).
	assertKeys http.Handler
	// tokenEP serves POST /oauth2/token (nil: not served).
	tokenEP http.Handler
	apps    *identity.Apps
	appInfo map[string]AppInfo
	tokens  *identity.Tokens
	users   *identity.AccessTokens
	proxies []netip.Prefix
	signin  *signin.Service
	idp     http.Handler

	sessionApp   string
	publicOrigin string
	store        store.Store
	maxBody      int64
	log          *slog.Logger
	now          func() time.Time
	hub          *hub
	poll         time.Duration
	obs          Observer
	tracer       trace.Tracer
	trustTrace   bool

	// closing is cancelled when shutdown begins, ending long-lived streams.
	closing context.Context
	stop    context.CancelFunc
	streams sync.WaitGroup
}

// New builds a gateway from opts.
func New(opts Options) (*Gateway, error) {
	if opts.Store == nil || opts.Recorder == nil {
		return nil, errors.New("gateway: a store and an audit recorder are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Guard == nil {
		opts.Guard = guard.PassThrough{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = telemetry.IDsOnly()
	}
	tracer := opts.TracerProvider.Tracer(tracerName)
	tokens, err := identity.NewTokens(opts.TokenKey, opts.Now)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	secrets := map[string][]string{}
	appAgents := map[string][]string{}
	info := map[string]AppInfo{}
	for _, a := range opts.Apps {
		if a.TokenTTL <= 0 {
			a.TokenTTL = 30 * time.Minute
		}
		secrets[a.Name] = a.Secrets
		appAgents[a.Name] = a.Agents
		info[a.Name] = a
	}
	closing, stop := context.WithCancel(context.Background())
	g := &Gateway{
		pipe: &Pipeline{
			Agents: observeAgents(opts.Agents, opts.Observer), Policy: access.NewPolicy(appAgents, opts.Roles, opts.Conditions), Guard: opts.Guard, Signals: opts.Signals,
			Recorder: opts.Recorder, Store: opts.Store, Log: opts.Logger, Now: opts.Now, Observer: opts.Observer,
			Tools: opts.Tools, tracer: tracer,
		},
		apps:    identity.NewApps(secrets),
		appInfo: info,
		tokens:  tokens,
		users:   opts.Users,
		proxies: opts.TrustedProxies,
		signin:  opts.SignIn,
		idp:     opts.IdP,

		sessionApp:   opts.SessionApp,
		publicOrigin: opts.PublicOrigin,
		store:        opts.Store,
		maxBody:      opts.MaxBodyBytes,
		log:          opts.Logger,
		now:          opts.Now,
		hub:          newHub(),
		poll:         opts.PollInterval,
		obs:          opts.Observer,
		closing:      closing,
		stop:         stop,
		assertKeys:   opts.AssertionKeys,
		tokenEP:      opts.TokenEndpoint,
		tracer:       tracer,
		trustTrace:   opts.TrustIncomingTraceContext,
	}
	return g, nil
}

// Handler returns the gateway's routes behind the ingress middleware.
func (g *Gateway) Handler() http.Handler {
	r := newRouter()
	r.handle("/healthz", map[string]http.HandlerFunc{http.MethodGet: g.healthz})
	r.handle("/readyz", map[string]http.HandlerFunc{http.MethodGet: g.readyz})
	r.handle("/v1/chat/completions", map[string]http.HandlerFunc{http.MethodPost: g.chatCompletions})
	r.handle("/v1/models", map[string]http.HandlerFunc{http.MethodGet: g.listModels})
	r.handle("/v1/models/{model}", map[string]http.HandlerFunc{http.MethodGet: g.getModel})
	g.directLineRoutes(r)
	g.consoleRoutes(r)
	g.adminRoutes(r)
	if g.tokenEP != nil {
		r.handle("/oauth2/token", map[string]http.HandlerFunc{http.MethodPost: g.tokenEP.ServeHTTP})
	}
	if g.assertKeys != nil {
		keys := g.assertKeys
		r.handle(AssertionKeysPath, map[string]http.HandlerFunc{http.MethodGet: keys.ServeHTTP})
	}
	r.fallback(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, g.log, flavorFor(req), apperr.New(apperr.KindNotFound, apperr.CodeNotFound, "There is nothing at %s.", truncate(req.URL.Path, 128)), "")
	})
	return g.ingress(g.observed(r.mux))
}

// Shutdown ends long-lived Direct Line streams and waits for them to close.
// http.Server.Shutdown does not track hijacked connections, so Serve calls
// this as part of graceful shutdown.
func (g *Gateway) Shutdown() {
	g.stop()
	g.streams.Wait()
}

func (g *Gateway) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports ready only when the store answers and shutdown has not
// begun, so load balancers stop sending traffic before the process exits.
func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	if g.closing.Err() != nil {
		writeError(w, r, g.log, flavorPlain, apperr.New(apperr.KindUnavailable, apperr.CodeShuttingDown, "Palisade is shutting down."), "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := g.store.Ping(ctx); err != nil {
		writeError(w, r, g.log, flavorPlain, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "The store cannot be reached."), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "agents": len(g.pipe.Agents)})
}

// router dispatches by path with Go's ServeMux and by method itself, so
// that a wrong method gets a 405 in Palisade's error format.
type router struct {
	mux *http.ServeMux
}

func newRouter() *router { return &router{mux: http.NewServeMux()} }

func (rt *router) handle(pattern string, methods map[string]http.HandlerFunc) {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		nameRoute(r, pattern)
		h, ok := methods[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = methods[http.MethodGet]
		}
		if !ok {
			w.Header().Set("Allow", allow)
			writeError(w, r, slog.New(slog.DiscardHandler), flavorFor(r), &apperr.Error{Kind: apperr.KindMethodNotAllowed,
				Code: apperr.CodeMethodNotAllowed, Message: r.Method + " is not allowed here; use " + allow + "."}, "")
			return
		}
		h(w, r)
	})
}

func (rt *router) fallback(h http.HandlerFunc) { rt.mux.HandleFunc("/", h) }

// ServerOptions are the HTTP server's limits.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// TLS, when set, serves HTTPS with this configuration (certificates,
	// and client certificates from managed devices when its ClientCAs
	// are set).
	TLS *tls.Config
}

// Serve serves the gateway on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within the
// shutdown timeout, and closes Direct Line streams.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener, so ServerOptions) error {
	srv := &http.Server{
		Handler:           g.Handler(),
		ReadHeaderTimeout: so.ReadHeaderTimeout,
		ReadTimeout:       so.ReadTimeout,
		WriteTimeout:      so.WriteTimeout,
		IdleTimeout:       so.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if so.TLS != nil {
		srv.TLSConfig = so.TLS
		ln = tls.NewListener(ln, so.TLS)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		g.Shutdown()
		return err
	case <-ctx.Done():
	}
	timeout := so.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan struct{})
	go func() { g.Shutdown(); close(done) }()
	err := srv.Shutdown(sctx)
	<-done
	if err != nil {
		return fmt.Errorf("gateway: graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// clientIP is ClientIP with the gateway's trusted proxies.
func (g *Gateway) clientIP(r *http.Request) netip.Addr { return ClientIP(r, g.proxies) }

// ClientIP returns the address of the client: the connection's peer, or,
// when the peer is one of the trusted proxies, the nearest address in
// X-Forwarded-For that is not a trusted proxy. An address that cannot be
// parsed is the zero Addr (no location, no country).
func ClientIP(r *http.Request, proxies []netip.Prefix) netip.Addr {
	trusted := func(ip netip.Addr) bool {
		for _, p := range proxies {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if !trusted(ip) {
		return ip
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return netip.Addr{}
			}
			ip = a.Unmap()
			if !trusted(ip) {
				return ip
			}
		}
	}
	return ip
}

// withDevice marks pr as on a compliant device when the request came with
// a client certificate that chains to the configured device CA (the TLS
// handshake verified it; without a device CA no chain is ever verified).
func withDevice(r *http.Request, pr identity.Principal) identity.Principal {
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		pr.DeviceCompliant = true
		if c := r.TLS.VerifiedChains[0][0]; c != nil {
			pr.Device = audit.Clean(c.Subject.CommonName)
		}
	}
	return pr
}
