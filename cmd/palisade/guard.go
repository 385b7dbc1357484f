package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/palisade-gw/palisade/internal/agent/knowledge"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// guardPolicies converts the configured guard policies. Each starts from
// the built-in default and changes only what it sets; the built-in one is
// there under its name unless the file redefines it.
func guardPolicies(g config.Guard) map[string]*guard.Policy {
	out := map[string]*guard.Policy{config.BuiltinGuardPolicy: guard.DefaultPolicy()}
	for _, p := range g.Policies {
		pol := guard.DefaultPolicy()
		pol.Name = p.Name
		applyRules(&pol.In, p.Inbound)
		applyRules(&pol.Out, p.Outbound)
		if p.Content != "" {
			pol.Content = guard.ContentAction(p.Content)
		}
		if p.RestoreInAnswer != nil {
			pol.Restore = *p.RestoreInAnswer
		}
		if p.LinkHosts != nil {
			pol.LinkHosts = slices.Clone(p.LinkHosts)
		}
		if p.EscapeHTML != nil {
			pol.EscapeHTMLChannels = slices.Clone(p.EscapeHTML)
		}
		if p.MaxBytes > 0 {
			pol.MaxBytes = p.MaxBytes
		}
		if p.Oversize != "" {
			pol.Oversize = guard.Oversize(p.Oversize)
		}
		if p.StreamHoldback > 0 {
			pol.Holdback = p.StreamHoldback
		}
		out[p.Name] = pol
	}
	return out
}

// applyRules overlays the configured actions on r.
func applyRules(r *guard.Rules, c config.GuardRules) {
	for cat, a := range map[detect.Category]string{
		detect.PII: c.PII, detect.PHI: c.PHI, detect.Secret: c.Secret,
		detect.Injection: c.Injection, detect.Output: c.Output, detect.Custom: c.Custom,
	} {
		if a != "" {
			r.Categories[cat] = guard.Action(a)
		}
	}
	for t, a := range c.Types {
		r.Types[t] = guard.Action(a)
	}
	if c.MinConfidence != nil {
		r.MinConfidence = *c.MinConfidence
	}
}

// guardPolicyName is the policy an agent uses: its own, else its
// environment's, else the configured default, else the built-in one.
func guardPolicyName(cfg *config.Config, a config.Agent) string {
	if a.Guard != "" {
		return a.Guard
	}
	for _, e := range cfg.Environments {
		if e.Name == a.Environment && e.Guard != "" {
			return e.Guard
		}
	}
	if cfg.Guard.DefaultPolicy != "" {
		return cfg.Guard.DefaultPolicy
	}
	return config.BuiltinGuardPolicy
}

// customDetectors compiles the configured custom detectors.
func customDetectors(g config.Guard) ([]detect.Detector, error) {
	var out []detect.Detector
	for i, d := range g.Detectors {
		cat := detect.Category(d.Category)
		if cat == "" {
			cat = detect.Custom
		}
		det, err := guard.NewCustom(guard.CustomSpec{
			Name: d.Type, Category: cat, Pattern: d.Pattern, Keywords: d.Keywords,
			Validator: d.Validator, Context: d.Context, Confidence: d.Confidence,
		}, guard.BuiltinValidators())
		if err != nil {
			return nil, fmt.Errorf("guard.detectors[%d]: %w", i, err)
		}
		out = append(out, det)
	}
	return out, nil
}

// buildGuardEngine makes the content guard's engine: the built-in
// detectors, the custom ones and the external classifier.
func buildGuardEngine(cfg *config.Config, out *outbound) (*guard.Engine, error) {
	custom, err := customDetectors(cfg.Guard)
	if err != nil {
		return nil, err
	}
	var cl guard.Classifier
	if c := cfg.Guard.Classifier; c != nil {
		ec, err := out.client(c.Timeout.D(), 0, 0)
		if err != nil {
			return nil, fmt.Errorf("guard.classifier: %w", err)
		}
		hc, err := guard.NewHTTPClassifier(guard.HTTPClassifierConfig{
			Protocol: c.Protocol, URL: c.URL, APIKey: c.APIKey, Timeout: c.Timeout.D(),
			FailOpen: c.FailOpen, Threshold: c.Threshold, AttackLabels: c.AttackLabels,
			Client:     ec.HTTPClient(),
			Credential: out.credential(cfg, "guard.classifier.api_key", "guard-classifier"),
		})
		if err != nil {
			return nil, fmt.Errorf("guard.classifier: %w", err)
		}
		cl = hc
	}
	return guard.NewEngine(guard.Builtin(custom, cl)), nil
}

// checkGuard compiles the custom detectors and checks the finding types
// the policies name, so that a mistake is reported at its line.
func checkGuard(c *config.Config) []config.Problem {
	var ps []config.Problem
	known := map[string]bool{}
	for _, t := range guard.BuiltinTypes() {
		known[t] = true
	}
	for i, d := range c.Guard.Detectors {
		known[d.Type] = true
		if d.Pattern == "" {
			continue
		}
		if _, err := guard.NewCustom(guard.CustomSpec{Name: d.Type, Pattern: d.Pattern, Validator: d.Validator}, guard.BuiltinValidators()); err != nil {
			ps = append(ps, config.Problem{Path: fmt.Sprintf("guard.detectors[%d].pattern", i), Message: err.Error()})
		}
	}
	for i, p := range c.Guard.Policies {
		for dir, r := range map[string]config.GuardRules{"inbound": p.Inbound, "outbound": p.Outbound} {
			for t := range r.Types {
				if !known[t] {
					ps = append(ps, config.Problem{Path: fmt.Sprintf("guard.policies[%d].%s.types.%s", i, dir, t),
						Message: fmt.Sprintf("no detector reports type %q (see palisade guard types)", t)})
				}
			}
		}
	}
	return ps
}

// screenKnowledge passes every section of an agent's documents through
// its guard as third-party content before the agent may use it: hidden
// instructions are neutralised, or the section dropped, as the policy
// says. It returns how many sections were changed or dropped.
func screenKnowledge(ctx context.Context, g *guard.Agent, docs []knowledge.Document, log *slog.Logger, agentName string) ([]knowledge.Document, error) {
	changed := 0
	for i := range docs {
		kept := docs[i].Sections[:0]
		for _, s := range docs[i].Sections {
			v, err := g.Screen(ctx, s.Text)
			if err != nil {
				return nil, fmt.Errorf("document %s: %w", docs[i].Path, err)
			}
			switch v.Action {
			case guard.ActionBlock:
				changed++
				log.Warn("knowledge section withheld: it contains instructions", "agent", agentName, "document", docs[i].Path, "findings", findingTypes(v))
				continue
			case guard.ActionRedact:
				changed++
				log.Warn("knowledge section neutralised: it contains instructions", "agent", agentName, "document", docs[i].Path, "findings", findingTypes(v))
				s.Text = v.Text
			case guard.ActionAudit:
				log.Warn("knowledge section contains instructions (content: audit keeps them)", "agent", agentName, "document", docs[i].Path, "findings", findingTypes(v))
			}
			kept = append(kept, s)
		}
		docs[i].Sections = kept
	}
	return docs, nil
}

func findingTypes(v guard.Verdict) []string {
	var out []string
	for _, f := range v.Findings {
		if !slices.Contains(out, f.Type) {
			out = append(out, f.Type)
		}
	}
	return out
}
