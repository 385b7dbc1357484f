package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os/user"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/egress"
	"github.com/palisade-gw/palisade/internal/secrets"
	"github.com/palisade-gw/palisade/internal/store"
)

// gatewayActor is the actor of secret reads made by the gateway itself at
// the point of egress.
const gatewayActor = "palisade"

// secretAudit records every access to the secret store in the audit log;
// an access that cannot be recorded is refused by the Manager.
func secretAudit(rec audit.Recorder) func(ctx context.Context, a secrets.Access) error {
	return func(ctx context.Context, a secrets.Access) error {
		typ := "secret." + a.Op
		outcome := audit.OutcomeSuccess
		switch a.Outcome {
		case secrets.OutcomeRefused:
			outcome = audit.OutcomeDenied
			typ = audit.TypeSecretRefused
		case secrets.OutcomeFailed:
			outcome = audit.OutcomeError
		}
		data := map[string]any{"name": a.Name, "op": a.Op}
		if a.Version != 0 {
			data["version"] = a.Version
		}
		if a.Purpose != "" {
			data["purpose"] = a.Purpose
		}
		if a.Reason != "" {
			data["reason"] = a.Reason
		}
		_, err := rec.Record(ctx, audit.Event{Type: typ, Outcome: outcome, Actor: a.Actor, Data: data})
		return err
	}
}

// openSecrets returns the secret store of the configuration: a Vault KV
// engine, or Palisade's own encrypted store under the configured
// key-encryption key. Without a key the Manager is sealed; a key that is
// configured but cannot be loaded is an error. ec carries calls to Vault.
func openSecrets(cfg *config.Config, st store.Secrets, rec audit.Recorder, ec *outbound) (*secrets.Manager, error) {
	opts := secrets.Options{Audit: secretAudit(rec)}
	if kv := cfg.Secrets.VaultKV; kv != nil {
		c, err := ec.client(0, 0, 0)
		if err != nil {
			return nil, err
		}
		src, err := secrets.NewVaultKV(secrets.VaultKVConfig{
			Address: kv.Address, Token: kv.Token, Mount: kv.Mount, Prefix: kv.Prefix, Field: kv.Field,
			Client: c.HTTPClient(),
		})
		if err != nil {
			return nil, fmt.Errorf("secrets.vault_kv: %w", err)
		}
		return secrets.NewFromSource(src, opts), nil
	}
	kek, err := loadKEK(cfg, ec)
	if err != nil {
		return nil, err
	}
	return secrets.New(st, kek, opts), nil
}

// loadKEK loads the configured key-encryption key; nil when none is
// configured (the store is sealed).
func loadKEK(cfg *config.Config, ec *outbound) (*secrets.KEK, error) {
	k := cfg.Secrets.KEK
	switch {
	case k == nil:
		return nil, nil
	case k.KeysetFile != "":
		return secrets.LoadKeysetFile(k.KeysetFile)
	case k.KeysetEnv != "":
		return secrets.LoadKeysetEnv(k.KeysetEnv)
	case k.VaultTransit != nil:
		t := k.VaultTransit
		u, err := url.Parse(t.Address)
		if err != nil || u.Scheme != "https" {
			return nil, errors.New("secrets.kek.vault_transit.address: Vault Transit is reached over https only")
		}
		c, err := ec.client(0, 0, 0)
		if err != nil {
			return nil, err
		}
		return secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{
			KeyURI: "hcvault://" + u.Host + "/" + strings.Trim(t.Mount, "/") + "/keys/" + t.Key,
			Token:  t.Token, HTTPClient: c.HTTPClient(),
		})
	}
	return nil, errors.New("secrets.kek: no key source is set")
}

// secretCacheTTL is how long a secret read for egress is reused before it
// is read (and audited) again; a rotated secret is in use within it.
const secretCacheTTL = time.Minute

// secretCache reads secrets for egress, keeping each value for
// secretCacheTTL per purpose so that not every request is a store read.
type secretCache struct {
	mgr *secrets.Manager
	now func() time.Time
	mu  sync.Mutex
	m   map[[2]string]cachedSecret
}

type cachedSecret struct {
	value   string
	expires time.Time
}

func newSecretCache(mgr *secrets.Manager) *secretCache {
	return &secretCache{mgr: mgr, now: time.Now, m: map[[2]string]cachedSecret{}}
}

// get returns the current value of name for purpose.
func (c *secretCache) get(ctx context.Context, name, purpose string) (string, error) {
	if c == nil || c.mgr == nil {
		return "", errors.New("the secret store is not open in this command")
	}
	key := [2]string{name, purpose}
	now := c.now()
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(v.expires) {
		return v.value, nil
	}
	b, _, err := c.mgr.Get(ctx, name, purpose, gatewayActor)
	if err != nil {
		return "", fmt.Errorf("secret %q: %w", name, err)
	}
	s := string(b)
	clear(b)
	c.mu.Lock()
	c.m[key] = cachedSecret{value: s, expires: now.Add(secretCacheTTL)}
	c.mu.Unlock()
	return s, nil
}

// credential returns the function that reads the secret the field at path
// names, at the point of egress; nil when the field is not a
// ${secret:NAME} reference (its resolved value is used as is).
func (o *outbound) credential(cfg *config.Config, path, purpose string) func(context.Context) (string, error) {
	name, ok := cfg.SecretRef(path)
	if !ok {
		return nil
	}
	return func(ctx context.Context) (string, error) { return o.secrets.get(ctx, name, purpose) }
}

// egressRecorder audits the calls the egress policy refuses. The URL is
// kept to its scheme and host: a path or query may carry a token.
func egressRecorder(rec audit.Recorder, log *slog.Logger) func(ctx context.Context, e *egress.Error) {
	return func(ctx context.Context, e *egress.Error) {
		dest := ""
		if u, err := url.Parse(e.URL); err == nil && u.Host != "" {
			dest = u.Scheme + "://" + u.Host
		}
		data := map[string]any{"code": e.Code, "destination": dest, "reason": e.Reason}
		if e.Rule != "" {
			data["rule"] = e.Rule
		}
		if inner, ok := errors.AsType[*egress.Error](e.Err); ok && inner.Code != e.Code {
			data["cause"] = inner.Code
			data["cause_reason"] = inner.Reason
		}
		_, err := rec.Record(ctx, audit.Event{Type: audit.TypeEgressRefused, Outcome: audit.OutcomeDenied, Actor: gatewayActor, Data: data})
		if err != nil && log != nil {
			log.Error("cannot audit a refused outbound call", "code", e.Code, "err", err)
		}
	}
}

// cliActor names the operator of a CLI command in the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + audit.Clean(u.Username)
	}
	return "cli"
}

// warnSecretRefs logs, at start-up, the ${secret:NAME} references that
// cannot be used: all of them while the store is sealed, and those naming
// a secret that does not exist or is disabled. Requests that need them are
// refused with secret_unavailable until the secret is there.
func warnSecretRefs(ctx context.Context, cfg *config.Config, mgr *secrets.Manager, log *slog.Logger) {
	var refs []string
	for path := range cfg.Raw {
		if name, ok := cfg.SecretRef(path); ok {
			refs = append(refs, path+"="+name)
		}
	}
	if len(refs) == 0 {
		return
	}
	slices.Sort(refs)
	if mgr.Sealed() {
		log.Warn("the secret store is sealed: requests that need these secrets are refused until Palisade starts with its key-encryption key (secrets.kek)", "references", refs)
		return
	}
	infos, err := mgr.List(ctx)
	if err != nil {
		if !errors.Is(err, secrets.ErrReadOnly) {
			log.Warn("cannot list the secret store to check the configuration's secret references", "err", err)
		}
		return
	}
	enabled := map[string]bool{}
	for _, in := range infos {
		enabled[in.Name] = enabled[in.Name] || in.Enabled
	}
	for _, r := range refs {
		path, name, _ := strings.Cut(r, "=")
		if !enabled[name] {
			log.Warn("a secret the configuration names is missing or disabled; requests that need it are refused", "field", path, "secret", name)
		}
	}
}
