package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/agent/knowledge"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/egress"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/tools"
)

// assertionKeyName is the store key under which the seed of the key that
// signs user assertions for tools is shared by every replica.
const assertionKeyName = "tool-assertion-ed25519"

// toolDefs converts the configured tools for the executor. Credentials
// written as ${secret:NAME} are read from the secret store at each call
// (through the cache); ${env:NAME} ones were resolved at load.
func toolDefs(cfg *config.Config, out *outbound) ([]tools.Tool, error) {
	defs := make([]tools.Tool, 0, len(cfg.Tools))
	for i, t := range cfg.Tools {
		p := fmt.Sprintf("tools[%d]", i)
		d := tools.Tool{Name: t.Name, Description: t.Description, Method: t.Method, URL: t.URL, Query: t.Query,
			Timeout: t.Timeout.D(), MaxResponseBytes: t.MaxResponseBytes}
		if t.Parameters != nil {
			b, err := json.Marshal(t.Parameters)
			if err != nil {
				return nil, fmt.Errorf("%s.parameters: %w", p, err)
			}
			d.Parameters = b
		}
		if a := t.Auth; a != nil {
			if k := a.APIKey; k != nil {
				d.APIKey = &tools.APIKeyAuth{Header: k.Header, Value: secretOrValue(cfg, out, p+".auth.api_key.value", "tool:"+t.Name, k.Value)}
				if strings.EqualFold(k.Header, "Authorization") {
					d.APIKey.Prefix = "Bearer "
				}
			}
			if o := a.OAuth2; o != nil {
				d.OAuth2 = &tools.OAuth2Auth{TokenURL: o.TokenURL, ClientID: o.ClientID, Scopes: o.Scopes,
					ClientSecret: secretOrValue(cfg, out, p+".auth.oauth2.client_secret", "tool:"+t.Name, o.ClientSecret)}
			}
		}
		if ua := t.UserAssertion; ua != nil {
			d.Assertion = &tools.AssertionSpec{Header: ua.Header, Audience: ua.Audience}
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// secretOrValue returns the function that reads a tool credential: from
// the secret store for a ${secret:NAME} field, else the resolved value.
func secretOrValue(cfg *config.Config, out *outbound, path, purpose, value string) tools.SecretFunc {
	if f := out.credential(cfg, path, purpose); f != nil {
		return f
	}
	return func(context.Context) (string, error) { return value, nil }
}

// toolSpecs returns what agent a may know of its tools.
func toolSpecs(cfg *config.Config, a config.Agent) []agent.ToolSpec {
	var specs []agent.ToolSpec
	for _, name := range a.Tools {
		for _, t := range cfg.Tools {
			if t.Name != name {
				continue
			}
			s := agent.ToolSpec{Name: t.Name, Description: t.Description, Intents: t.Intents, Answer: t.Answer}
			if t.Parameters != nil {
				s.Parameters, _ = json.Marshal(t.Parameters)
			}
			specs = append(specs, s)
		}
	}
	return specs
}

// buildTools makes the executor of the configured tools and the signer of
// user assertions (its key shared by replicas through the store); nils
// when no tool is configured.
func buildTools(ctx context.Context, cfg *config.Config, st store.Store, out *outbound) (*tools.Executor, *tools.Signer, error) {
	if len(cfg.Tools) == 0 {
		return nil, nil, nil
	}
	defs, err := toolDefs(cfg, out)
	if err != nil {
		return nil, nil, err
	}
	seed, err := randomSecret(ctx, st, assertionKeyName, ed25519.SeedSize)
	if err != nil {
		return nil, nil, err
	}
	key := ed25519.NewKeyFromSeed(seed)
	sum := sha256.Sum256(key.Public().(ed25519.PublicKey))
	signer, err := tools.NewSigner(key, hex.EncodeToString(sum[:8]), cfg.Server.PublicURL, nil)
	if err != nil {
		return nil, nil, err
	}
	// Each tool's own timeout bounds its call; the client adds none.
	c, err := out.client(egress.NoTimeout, 0, 0)
	if err != nil {
		return nil, nil, err
	}
	exec, err := tools.NewExecutor(defs, tools.Options{Client: c.HTTPClient(), Signer: signer})
	if err != nil {
		return nil, nil, err
	}
	return exec, signer, nil
}

// checkTools checks what the configuration loader cannot: each tool's
// definition as the executor compiles it (schema, URL placeholders), and
// the knowledge agent's answer templates and intents. Problems are
// reported at the tool's line.
func checkTools(c *config.Config) []config.Problem {
	var ps []config.Problem
	for i, t := range c.Tools {
		p := fmt.Sprintf("tools[%d]", i)
		one := *c
		one.Tools = []config.Tool{t}
		defs, err := toolDefs(&one, &outbound{})
		if err == nil {
			signer, _ := tools.NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), "check", "https://palisade.invalid", nil)
			_, err = tools.NewExecutor(defs, tools.Options{Client: &http.Client{}, Signer: signer})
		}
		if err != nil {
			ps = append(ps, config.Problem{Path: p, Message: strings.TrimPrefix(err.Error(), "tools: ")})
		}
		if t.Answer != "" {
			if err := knowledge.CheckAnswerTemplate(t.Answer); err != nil {
				ps = append(ps, config.Problem{Path: p + ".answer", Message: err.Error()})
			}
		}
		for j, in := range t.Intents {
			if err := knowledge.CheckIntent(in); err != nil {
				ps = append(ps, config.Problem{Path: fmt.Sprintf("%s.intents[%d]", p, j), Message: err.Error()})
			}
		}
	}
	return ps
}
