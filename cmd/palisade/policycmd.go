package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/identity"
)

func newPolicyCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Ask what the access policy would decide",
	}
	var (
		path, user, app, agent, ip, at, output, acr string
		groups, idpRoles                            []string
		device, mfa                                 bool
		authAge                                     time.Duration
	)
	test := &cobra.Command{
		Use:   "test",
		Short: "What would happen if this user asked this agent through this app, and why",
		Long: `Evaluate the configured roles and conditional access policies for one
imagined request, without sending it, like a "What If" tool. The user is
ISSUER:SUBJECT as in role membership (corp:alice); without --user the caller
is the app's own credential.

Exit status 0 when the request would be allowed (possibly restricted), 3
when it would be refused.`,
		Example: `  palisade policy test -c palisade.yaml --user corp:alice --groups corp:hr --app hr-web --agent hr-helpdesk --ip 203.0.113.7 --mfa`,
		Args:    cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			cfg, err := loadConfig(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			conditions, _, closeGeo, err := buildConditions(cfg.Access)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			defer closeGeo()
			appAgents := map[string][]string{}
			for _, a := range cfg.Apps {
				appAgents[a.Name] = a.Agents
			}
			policy := access.NewPolicy(appAgents, buildRoles(cfg), conditions)

			pr := identity.Principal{Kind: identity.KindApp, App: app}
			if user != "" {
				iss, sub, ok := strings.Cut(user, ":")
				if !ok || iss == "" || sub == "" {
					return &exitError{code: 2, err: fmt.Errorf("--user must be ISSUER:SUBJECT, such as corp:alice")}
				}
				pr = identity.Principal{Kind: identity.KindUser, App: app, Issuer: iss, Subject: sub,
					Groups: groups, IdPRoles: idpRoles, MFA: mfa, ACR: acr, DeviceCompliant: device}
			}
			now := time.Now().UTC()
			if at != "" {
				if now, err = time.Parse(time.RFC3339, at); err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--time must be RFC 3339, such as 2026-12-01T09:30:00Z")}
				}
			}
			if user != "" && authAge >= 0 {
				pr.AuthTime = now.Add(-authAge)
			}
			req := access.Request{Principal: pr, Agent: agent, Now: now}
			if ip != "" {
				a, err := netip.ParseAddr(ip)
				if err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--ip %q is not an IP address", ip)}
				}
				req.IP = a.Unmap()
			}
			d := policy.Decide(req)
			w := whatIf(d)
			if output == "json" {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(w); err != nil {
					return err
				}
			} else {
				printWhatIf(s, w)
			}
			if !d.Allow {
				return &exitError{code: 3, silent: true}
			}
			return nil
		},
	}
	f := test.Flags()
	f.StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	f.StringVar(&user, "user", "", "signed-in user as ISSUER:SUBJECT; leave out for an app credential")
	f.StringSliceVar(&groups, "groups", nil, "the user's groups, issuer-qualified (corp:hr)")
	f.StringSliceVar(&idpRoles, "idp-roles", nil, "the user's roles at the identity provider, issuer-qualified")
	f.StringVar(&app, "app", "", "the app the request comes through")
	f.StringVar(&agent, "agent", "", "the agent asked")
	f.StringVar(&ip, "ip", "", "the client's IP address")
	f.BoolVar(&device, "device-compliant", false, "the device is managed and compliant")
	f.BoolVar(&mfa, "mfa", false, "the user signed in with multi-factor authentication")
	f.StringVar(&acr, "acr", "", "the sign-in's acr value")
	f.DurationVar(&authAge, "auth-age", 0, "how long ago the user signed in")
	f.StringVar(&at, "time", "", "when the request happens (RFC 3339); default now")
	f.StringVarP(&output, "output", "o", "table", "table or json")
	_ = test.MarkFlagRequired("config")
	_ = test.MarkFlagRequired("app")
	_ = test.MarkFlagRequired("agent")
	cmd.AddCommand(test)
	return cmd
}

// whatIfResult is what `policy test` reports.
type whatIfResult struct {
	Outcome    string        `json:"outcome"`
	Reason     string        `json:"reason"`
	Message    string        `json:"message,omitempty"`
	Roles      []string      `json:"roles"`
	Policies   []string      `json:"policies,omitempty"`
	Satisfied  []string      `json:"satisfied,omitempty"`
	StepUp     *stepUp       `json:"step_up,omitempty"`
	Restrict   *restrictView `json:"restrict,omitempty"`
	Locations  []string      `json:"locations,omitempty"`
	Country    string        `json:"country,omitempty"`
	Risk       string        `json:"risk,omitempty"`
	RiskReason []string      `json:"risk_reasons,omitempty"`
}

// restrictView is what a restriction takes away, as configured.
type restrictView struct {
	NoTools      bool     `json:"no_tools,omitempty"`
	NoFileUpload bool     `json:"no_file_upload,omitempty"`
	NoKnowledge  bool     `json:"no_knowledge,omitempty"`
	DenyTools    []string `json:"deny_tools,omitempty"`
	DenyLabels   []string `json:"deny_labels,omitempty"`
}

// String lists what is taken away, for people.
func (r *restrictView) String() string {
	var parts []string
	if r.NoTools {
		parts = append(parts, "no tools")
	}
	if r.NoFileUpload {
		parts = append(parts, "no file upload")
	}
	if r.NoKnowledge {
		parts = append(parts, "no knowledge")
	}
	if len(r.DenyTools) > 0 {
		parts = append(parts, "tools withheld: "+strings.Join(r.DenyTools, ", "))
	}
	if len(r.DenyLabels) > 0 {
		parts = append(parts, "labels withheld: "+strings.Join(r.DenyLabels, ", "))
	}
	return strings.Join(parts, "; ")
}

type stepUp struct {
	ACRValues []string `json:"acr_values,omitempty"`
	MaxAge    string   `json:"max_age,omitempty"`
}

func whatIf(d access.Decision) whatIfResult {
	w := whatIfResult{Outcome: "allow", Reason: d.Reason, Roles: d.Grants.Roles()}
	if !d.Allow {
		w.Message = d.Message()
	}
	switch {
	case d.Reason == access.ReasonMFARequired:
		w.Outcome = "require_mfa"
	case !d.Allow:
		w.Outcome = "deny"
	case !d.Restriction().IsZero():
		r := d.Restriction()
		w.Outcome = "restrict"
		w.Restrict = &restrictView{NoTools: r.NoTools, NoFileUpload: r.NoFileUpload, NoKnowledge: r.NoKnowledge, DenyTools: r.DenyTools, DenyLabels: r.DenyLabels}
	}
	if c := d.Conditional; c != nil {
		w.Policies, w.Satisfied = c.Policies, c.Satisfied
		w.Locations, w.Country, w.Risk, w.RiskReason = c.Signals.Locations, c.Signals.Country, c.Signals.Risk, c.Signals.RiskReasons
		if w.Outcome == "require_mfa" {
			w.StepUp = &stepUp{ACRValues: c.ACRValues}
			if c.MaxAuthAge > 0 {
				w.StepUp.MaxAge = c.MaxAuthAge.String()
			}
		}
	}
	return w
}

func printWhatIf(s streams, w whatIfResult) {
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("outcome", strings.ToUpper(w.Outcome))
	row("reason", w.Reason)
	row("message", w.Message)
	roles := strings.Join(w.Roles, ", ")
	if roles == "" {
		roles = "(none)"
	}
	row("roles held", roles)
	row("policies applied", strings.Join(w.Policies, ", "))
	row("policies satisfied", strings.Join(w.Satisfied, ", "))
	if w.StepUp != nil {
		row("step-up acr_values", strings.Join(w.StepUp.ACRValues, " "))
		row("step-up max_age", w.StepUp.MaxAge)
	}
	if w.Restrict != nil {
		row("restricted", w.Restrict.String())
	}
	row("locations", strings.Join(w.Locations, ", "))
	row("country", w.Country)
	row("risk", w.Risk)
	row("risk reasons", strings.Join(w.RiskReason, ", "))
	_ = tw.Flush()
}
