package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/agent/knowledge"
	"github.com/palisade-gw/palisade/internal/agent/upstream"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/egress"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/postgres"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// tokenKeyName is the store key under which the Direct Line token signing
// key is shared by every replica.
const tokenKeyName = "directline-token-hmac"

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	switch cfg.Store.Driver {
	case "postgres":
		var opts []postgres.Option
		if cfg.Store.AllowCommitBeforeFsync {
			opts = append(opts, postgres.WithoutFsync())
		}
		st, err := postgres.Open(ctx, cfg.Store.DSN, opts...)
		if err != nil {
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		return st, nil
	case "", "sqlite":
		path := cfg.Store.Path
		if path == "" {
			path = filepath.Join(cfg.DataDir, "palisade.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		var opts []sqlite.Option
		if cfg.Store.AllowCommitBeforeFsync {
			opts = append(opts, sqlite.WithoutFsync())
		}
		st, err := sqlite.Open(ctx, path, opts...)
		if err != nil {
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown store driver %q", cfg.Store.Driver)
}

// buildAgents makes a running agent for each configured one.
func buildAgents(cfg *config.Config, log *slog.Logger, out *outbound) (map[string]*gateway.AgentEntry, error) {
	envs := map[string]config.Environment{}
	for _, e := range cfg.Environments {
		envs[e.Name] = e
	}
	engine, err := buildGuardEngine(cfg, out)
	if err != nil {
		return nil, err
	}
	policies := guardPolicies(cfg.Guard)
	entries := map[string]*gateway.AgentEntry{}
	for i, a := range cfg.Agents {
		env := envs[a.Environment]
		g := engine.ForAgent(policies[guardPolicyName(cfg, a)], a.Instructions)
		var impl agent.Agent
		switch a.Kind {
		case config.AgentKnowledge:
			var docs []knowledge.Document
			for _, src := range a.Knowledge {
				d, err := knowledge.LoadDir(src.Name, src.Path)
				if err != nil {
					return nil, fmt.Errorf("agent %s: knowledge source %s: %w", a.Name, src.Name, err)
				}
				docs = append(docs, withLabels(d, src.Labels)...)
			}
			docs, err := screenKnowledge(context.Background(), g, docs, log, a.Name)
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", a.Name, err)
			}
			k, err := knowledge.New(a.Name, docs, knowledge.Options{})
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", a.Name, err)
			}
			impl = k
		case config.AgentOpenAI:
			ec, err := out.client(egress.NoTimeout, a.Upstream.ConnectTimeout.D(), a.Upstream.FirstByteTimeout.D())
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", a.Name, err)
			}
			u, err := upstream.New(upstream.Options{
				Name: a.Name, BaseURL: a.Upstream.URL, Model: a.Upstream.Model,
				APIKey: a.Upstream.APIKey, APIKeyHeader: a.Upstream.APIKeyHeader, Instructions: a.Instructions,
				ConnectTimeout: a.Upstream.ConnectTimeout.D(), FirstByteTimeout: a.Upstream.FirstByteTimeout.D(),
				HTTPClient: ec.HTTPClient(),
				Credential: out.credential(cfg, fmt.Sprintf("agents[%d].upstream.api_key", i), "upstream:"+a.Name),
			})
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", a.Name, err)
			}
			impl = u
		default:
			return nil, fmt.Errorf("agent %s: unknown kind %q", a.Name, a.Kind)
		}
		entries[a.Name] = &gateway.AgentEntry{
			Tools: toolSpecs(cfg, a),
			Name:  a.Name, Description: a.Description, Environment: env.Name, Region: env.Region,
			RetentionDays: env.RetentionDays, Timeout: a.Timeout.D(), Agent: impl, Guard: g,
			Upstream: a.Kind == config.AgentOpenAI, UpstreamOrigin: upstreamOrigin(a),
		}
	}
	return entries, nil
}

// withLabels adds a source's labels to each of its documents (sorted,
// unique), so that the whole source is readable only with them.
func withLabels(docs []knowledge.Document, labels []string) []knowledge.Document {
	if len(labels) == 0 {
		return docs
	}
	for i := range docs {
		l := append(slices.Clone(docs[i].Labels), labels...)
		slices.Sort(l)
		docs[i].Labels = slices.Compact(l)
	}
	return docs
}

// buildRoles converts the configured roles for the access policy.
func buildRoles(cfg *config.Config) []access.Role {
	out := make([]access.Role, 0, len(cfg.Roles))
	for _, r := range cfg.Roles {
		out = append(out, access.Role{
			Name: r.Name, AllUsers: r.Members.AllUsers, Users: r.Members.Users, Groups: r.Members.Groups,
			IdPRoles: r.Members.IdPRoles, Apps: r.Members.Apps, ServicePrincipals: r.Members.ServicePrincipals,
			Agents: r.Permissions.Agents, Labels: r.Permissions.Knowledge, Tools: r.Permissions.Tools, Admin: r.Permissions.Admin,
		})
	}
	return out
}

// buildGateway wires configuration, store, journal and agents into a
// gateway; obs, when not nil, is told about its requests (metrics); tp
// makes its spans (nil: ids only, see gateway.Options). The
// returned cleanup releases what the gateway holds open (the GeoIP
// database) once it has stopped.
func buildGateway(ctx context.Context, cfg *config.Config, st store.Store, journal *audit.Journal, out *outbound, log *slog.Logger, obs gateway.Observer, tp trace.TracerProvider) (*gateway.Gateway, func() error, error) {
	g, cleanup, err := wireGateway(ctx, cfg, st, journal, out, log, obs, tp)
	if err != nil {
		_ = cleanup()
		return nil, func() error { return nil }, err
	}
	return g, cleanup, nil
}

func wireGateway(ctx context.Context, cfg *config.Config, st store.Store, journal *audit.Journal, out *outbound, log *slog.Logger, obs gateway.Observer, tp trace.TracerProvider) (*gateway.Gateway, func() error, error) {
	cleanup := func() error { return nil }
	agents, err := buildAgents(cfg, log, out)
	if err != nil {
		return nil, cleanup, err
	}
	conditions, geo, closeGeo, err := buildConditions(cfg.Access)
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = closeGeo
	proxies, err := trustedProxies(cfg)
	if err != nil {
		return nil, cleanup, err
	}
	key, err := st.LoadOrCreateKey(ctx, tokenKeyName, identity.NewKey())
	if err != nil {
		return nil, cleanup, fmt.Errorf("load token key: %w", err)
	}
	apps := make([]gateway.AppInfo, 0, len(cfg.Apps))
	for _, a := range cfg.Apps {
		apps = append(apps, gateway.AppInfo{Name: a.Name, Secrets: a.Secrets, Agents: a.Agents, Origins: a.Origins, TokenTTL: a.TokenTTL.D()})
	}
	id, err := buildIdentity(ctx, cfg, st, journal, log, &riskSignals{st: st, geo: geo, proxies: proxies}, out)
	if err != nil {
		return nil, cleanup, err
	}
	exec, signer, err := buildTools(ctx, cfg, st, out)
	if err != nil {
		return nil, cleanup, err
	}
	var runner gateway.ToolRunner
	var assertionKeys http.Handler
	if exec != nil {
		runner, assertionKeys = exec, signer.JWKSHandler()
	}
	g, err := gateway.New(gateway.Options{
		Agents: agents, Apps: apps, Store: st, Users: id.users, Roles: buildRoles(cfg),
		Conditions: conditions, TrustedProxies: proxies,
		SignIn: id.signin, IdP: id.idp, SessionApp: cfg.Identity.Sessions.App, PublicOrigin: cfg.Server.PublicURL,
		Signals:       id.signals.signals,
		Recorder:      journal,
		TokenKey:      key,
		MaxBodyBytes:  cfg.Server.MaxBodyBytes,
		Logger:        log,
		Observer:      obs,
		Tools:         runner,
		TokenEndpoint: tokenEndpoint(id),
		AssertionKeys: assertionKeys,

		TracerProvider:            tp,
		TrustIncomingTraceContext: cfg.Telemetry.Traces.AllowIncomingTraceContext,
	})
	return g, cleanup, err
}

// tokenEndpoint returns the built-in provider's token endpoint, served at
// POST /oauth2/token for service principals; nil without the provider.
func tokenEndpoint(id *identityParts) http.Handler {
	if id.local == nil {
		return nil
	}
	return id.local.TokenHandler()
}

// upstreamOrigin is the scheme://host[:port] of an agent's model server,
// for its audit events; "" for agents without one.
func upstreamOrigin(a config.Agent) string {
	if a.Kind != config.AgentOpenAI {
		return ""
	}
	return strings.TrimSuffix(originOf(a.Upstream.URL), "/")
}
