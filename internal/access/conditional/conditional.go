package conditional

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"
)

// Actions a policy takes when it applies, and the outcomes of a decision.
const (
	Allow      = "allow"
	Deny       = "deny"
	RequireMFA = "require_mfa"
	Restrict   = "restrict"
)

// rank orders outcomes from least to most restrictive; -1 for an unknown
// action.
func rank(outcome string) int {
	switch outcome {
	case Allow:
		return 0
	case Restrict:
		return 1
	case RequireMFA:
		return 2
	case Deny:
		return 3
	}
	return -1
}

const (
	// MaxExpressionLength is the longest When expression accepted, in bytes.
	MaxExpressionLength = 4096
	// DefaultCostLimit bounds the work one expression may do per
	// evaluation, in CEL cost units (roughly one per operation, more for
	// string and list work). Realistic policies cost well under 100.
	DefaultCostLimit = 10_000
)

// Location is a named set of address ranges, such as an office network.
type Location struct {
	// Name is how policies refer to the location: "corp" in locations.
	Name string
	// CIDRs are the ranges that make up the location. IPv4-mapped IPv6
	// prefixes (::ffff:10.0.0.0/104) are taken as the IPv4 prefix.
	CIDRs []netip.Prefix
}

// Restriction is what a restrict policy takes away from a request that
// otherwise goes ahead.
type Restriction struct {
	// NoTools withholds all tools from the agent.
	NoTools bool
	// NoFileUpload refuses files sent with the request.
	NoFileUpload bool
	// NoKnowledge withholds all knowledge sources (no retrieval).
	NoKnowledge bool
	// DenyTools withholds the named tools.
	DenyTools []string
	// DenyLabels withholds knowledge carrying any of these sensitivity
	// labels, e.g. "confidential".
	DenyLabels []string
}

// IsZero reports whether r takes nothing away.
func (r Restriction) IsZero() bool {
	return !r.NoTools && !r.NoFileUpload && !r.NoKnowledge && len(r.DenyTools) == 0 && len(r.DenyLabels) == 0
}

// Union returns what r and o together take away. Lists are merged without
// duplicates, in first-seen order.
func (r Restriction) Union(o Restriction) Restriction {
	return Restriction{
		NoTools:      r.NoTools || o.NoTools,
		NoFileUpload: r.NoFileUpload || o.NoFileUpload,
		NoKnowledge:  r.NoKnowledge || o.NoKnowledge,
		DenyTools:    union(r.DenyTools, o.DenyTools),
		DenyLabels:   union(r.DenyLabels, o.DenyLabels),
	}
}

func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := slices.Clip(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Policy is one conditional access rule.
type Policy struct {
	// Name identifies the policy in errors, decisions and the audit log.
	// Names are unique.
	Name string
	// When is a CEL expression of type bool; the policy applies when it is
	// true. The package documentation lists the variables.
	When string
	// Action is Allow, Deny, RequireMFA or Restrict.
	Action string
	// Message is the reason shown to the user when the policy denies,
	// asks for a step-up or restricts. A default is used when empty.
	Message string
	// Restrict is what a Restrict policy takes away; it must take
	// something away, and is only for Restrict policies.
	Restrict Restriction
	// MaxAuthAge, for RequireMFA, is how recent the sign-in must be;
	// it is sent as max_age on the step-up request. Zero means any age.
	MaxAuthAge time.Duration
	// ACRValues, for RequireMFA, are the acceptable authentication context
	// classes: the sign-in's acr must be one of them, and they are sent as
	// acr_values on the step-up request. Empty means any acr.
	ACRValues []string
}

// Options configures an Engine.
type Options struct {
	// Policies are evaluated in order; the order decides which policy's
	// message is the reason when several give the same outcome.
	Policies []Policy
	// Locations are the named locations policies can test.
	Locations []Location
	// GeoIP resolves the country; nil means the country is always "".
	GeoIP GeoIP
	// AnonymousNetworks are anonymising networks (Tor exits, public
	// VPNs); a request from them is high risk.
	AnonymousNetworks []netip.Prefix
	// TimeZone is where time.hour, time.minute and time.weekday are
	// reckoned; UTC when nil.
	TimeZone *time.Location
	// CostLimit bounds the work of one expression per evaluation;
	// DefaultCostLimit when zero. An expression that would exceed it stops
	// and its policy denies.
	CostLimit uint64
}

// Input is what a decision is made about. The caller fills it from
// verified sources only.
type Input struct {
	// User is the subject; Issuer who vouched for it.
	User, Issuer string
	// Groups are the user's groups (from the IdP); Roles its Palisade roles.
	Groups, Roles []string
	// App is the client app; Agent the agent asked.
	App, Agent string
	// IP is the client address. IPv4-mapped IPv6 addresses are treated as
	// IPv4 and zones are ignored. The zero Addr means unknown.
	IP netip.Addr
	// DeviceCompliant is set only from a trusted source: an IdP claim or a
	// verified client certificate, never from a request header.
	DeviceCompliant bool
	// MFA is true when the sign-in used multi-factor authentication, as
	// verified from the token's amr/acr claims or the local IdP, never from
	// a request parameter.
	MFA bool
	// ACR is the sign-in's authentication context class reference.
	ACR string
	// AuthTime is when the user signed in; zero if unknown, which counts as
	// too old for MaxAuthAge.
	AuthTime time.Time
	// FailedSignIns is the number of recent failed sign-ins for the user.
	FailedSignIns int
	// KnownCountries are the countries the user signed in from before.
	KnownCountries []string
	// Now is the time of the request; time.Now() when zero.
	Now time.Time
}

// Signals are the values computed from an Input that policies test,
// reported with each decision to explain it.
type Signals struct {
	// IP is the normalised client address (unmapped, no zone).
	IP netip.Addr
	// Locations are the named locations containing IP, in configured order.
	Locations []string
	// Country is the ISO code from GeoIP, "" if unknown.
	Country string
	// AnonymousNetwork is true when IP is in Options.AnonymousNetworks.
	AnonymousNetwork bool
	// Risk is RiskLow, RiskMedium or RiskHigh, from ComputeRisk.
	Risk string
	// RiskReasons say what raised Risk above low (the RiskReason constants).
	RiskReasons []string
	// AuthAge is the time since sign-in, zero if the sign-in time is in
	// the future, negative if it is unknown.
	AuthAge time.Duration
	// Time is Now in the configured time zone.
	Time time.Time
}

// Decision is the result of Evaluate.
type Decision struct {
	// Outcome is the most restrictive outcome of the applying policies:
	// Deny > RequireMFA > Restrict > Allow; Allow when none applies.
	Outcome string
	// Reason is for the user: for Deny the message of the first denying
	// policy (or that a policy could not be evaluated), for RequireMFA and
	// Restrict that of the first policy giving the outcome; "" for Allow.
	Reason string
	// Policies are the names of the policies that applied, in order,
	// including require_mfa policies that were already satisfied.
	Policies []string
	// Satisfied are the require_mfa policies that applied but were met by
	// the current sign-in.
	Satisfied []string
	// Restrict is the union of the restrictions of applying restrict
	// policies.
	Restrict Restriction
	// MaxAuthAge is the max_age to send on step-up: the smallest MaxAuthAge
	// of the applying require_mfa policies, zero if none sets one.
	MaxAuthAge time.Duration
	// ACRValues are the acr_values to send on step-up: the values every
	// applying require_mfa policy with ACRValues accepts. When they accept
	// none in common, no sign-in can satisfy them all and the outcome is
	// Deny.
	ACRValues []string
	// Signals are the computed inputs, for explanation.
	Signals Signals
	// Errors are the evaluation errors of policies that failed and so
	// denied, each naming its policy; for the audit log, not the user.
	Errors []error
}

// compiled is a policy ready to evaluate, with its reasons worked out.
type compiled struct {
	Policy
	prg program
	// reason is for the policy's outcome; stepUp[why] for each reason a
	// require_mfa policy can be unmet; failed for an evaluation error.
	reason, failed string
	stepUp         [3]string
}

// Reasons a require_mfa policy is not met, indexing compiled.stepUp.
const (
	needMFA = iota
	needACR
	needFresh
	satisfied = -1
)

// withReasons fills in c's reasons: its Message, or defaults naming it.
func (c *compiled) withReasons() {
	or := func(format string) string {
		if c.Message != "" {
			return c.Message
		}
		return fmt.Sprintf(format, c.Name)
	}
	switch c.Action {
	case Deny:
		c.reason = or("Access denied by conditional access policy %q.")
	case Restrict:
		c.reason = or("Access restricted by conditional access policy %q.")
	case RequireMFA:
		c.stepUp[needMFA] = or("Multi-factor authentication is required by conditional access policy %q.")
		c.stepUp[needACR] = or("A stronger sign-in is required by conditional access policy %q.")
		c.stepUp[needFresh] = or("A more recent sign-in is required by conditional access policy %q.")
	}
	c.failed = fmt.Sprintf("Access denied: conditional access policy %q could not be evaluated.", c.Name)
}

// Engine evaluates a fixed set of compiled policies. It is safe for
// concurrent use.
type Engine struct {
	policies  []compiled
	locations []Location
	geo       GeoIP
	anonymous []netip.Prefix
	tz        *time.Location
	noFast    bool // tests: always run the cost-tracking programs
}

// New validates the options and compiles every policy. The error lists
// every problem found, each naming its policy or location.
func New(opts Options) (*Engine, error) {
	e := &Engine{geo: opts.GeoIP, tz: opts.TimeZone}
	if e.tz == nil {
		e.tz = time.UTC
	}
	var errs []error

	names := make(map[string]bool, len(opts.Locations))
	for i, l := range opts.Locations {
		norm, err := normaliseLocation(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("conditional: location %d %q: %w", i, l.Name, err))
			continue
		}
		if names[l.Name] {
			errs = append(errs, fmt.Errorf("conditional: location %q: defined twice", l.Name))
			continue
		}
		names[l.Name] = true
		e.locations = append(e.locations, norm)
	}
	for _, p := range opts.AnonymousNetworks {
		n, err := normalisePrefix(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("conditional: anonymous networks: %w", err))
			continue
		}
		e.anonymous = append(e.anonymous, n)
	}

	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("conditional: CEL environment: %w", err)
	}
	limit := opts.CostLimit
	if limit == 0 {
		limit = DefaultCostLimit
	}
	seen := make(map[string]bool, len(opts.Policies))
	for i, p := range opts.Policies {
		label := fmt.Sprintf("policy %q", p.Name)
		if p.Name == "" {
			label = fmt.Sprintf("policy %d", i)
		}
		if err := validatePolicy(p); err != nil {
			errs = append(errs, fmt.Errorf("conditional: %s: %w", label, err))
			continue
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("conditional: %s: name used twice", label))
			continue
		}
		seen[p.Name] = true
		prg, err := compile(env, p.When, names, limit)
		if err != nil {
			errs = append(errs, fmt.Errorf("conditional: %s: when: %w", label, err))
			continue
		}
		c := compiled{Policy: p, prg: prg}
		c.ACRValues = slices.Clone(p.ACRValues)
		c.Restrict.DenyTools = slices.Clone(p.Restrict.DenyTools)
		c.Restrict.DenyLabels = slices.Clone(p.Restrict.DenyLabels)
		c.withReasons()
		e.policies = append(e.policies, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

func validatePolicy(p Policy) error {
	if p.Name == "" {
		return errors.New("name is required")
	}
	if p.When == "" {
		return errors.New(`when is required (write "true" for a policy that always applies)`)
	}
	if rank(p.Action) < 0 {
		return fmt.Errorf("unknown action %q (want allow, deny, require_mfa or restrict)", p.Action)
	}
	if p.Action == Restrict && p.Restrict.IsZero() {
		return errors.New("a restrict policy must take something away")
	}
	if p.Action != Restrict && !p.Restrict.IsZero() {
		return fmt.Errorf("restrictions are only for restrict policies, not %s", p.Action)
	}
	if p.Action != RequireMFA && (p.MaxAuthAge != 0 || len(p.ACRValues) > 0) {
		return fmt.Errorf("max auth age and acr values are only for require_mfa policies, not %s", p.Action)
	}
	if p.MaxAuthAge < 0 {
		return fmt.Errorf("max auth age %s is negative", p.MaxAuthAge)
	}
	if slices.Contains(p.ACRValues, "") {
		return errors.New("acr values contain an empty value")
	}
	return nil
}

func normaliseLocation(l Location) (Location, error) {
	if l.Name == "" {
		return Location{}, errors.New("name is required")
	}
	if len(l.Name) > maxFastString {
		return Location{}, fmt.Errorf("name is longer than %d bytes", maxFastString)
	}
	if len(l.CIDRs) == 0 {
		return Location{}, errors.New("no CIDRs")
	}
	out := Location{Name: l.Name, CIDRs: make([]netip.Prefix, 0, len(l.CIDRs))}
	for _, p := range l.CIDRs {
		n, err := normalisePrefix(p)
		if err != nil {
			return Location{}, err
		}
		out.CIDRs = append(out.CIDRs, n)
	}
	return out, nil
}

// normalisePrefix masks p and turns an IPv4-mapped IPv6 prefix into IPv4,
// so that it matches unmapped addresses.
func normalisePrefix(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("invalid prefix %q", p)
	}
	a := p.Addr().WithZone("")
	if a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("prefix %s covers more than the IPv4-mapped range", p)
		}
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), nil
	}
	return netip.PrefixFrom(a, p.Bits()).Masked(), nil
}

// Signals computes the signals for in without evaluating any policy.
func (e *Engine) Signals(in Input) Signals {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	s := Signals{IP: in.IP.Unmap().WithZone(""), Time: now.In(e.tz), AuthAge: -1}
	if !in.AuthTime.IsZero() {
		s.AuthAge = max(now.Sub(in.AuthTime), 0)
	}
	if s.IP.IsValid() {
		for _, l := range e.locations {
			for _, p := range l.CIDRs {
				if p.Contains(s.IP) {
					s.Locations = append(s.Locations, l.Name)
					break
				}
			}
		}
		for _, p := range e.anonymous {
			if p.Contains(s.IP) {
				s.AnonymousNetwork = true
				break
			}
		}
		if e.geo != nil {
			// A failed lookup leaves the country unknown; policies decide
			// what unknown means (see the package documentation).
			if c, err := e.geo.Country(s.IP); err == nil {
				s.Country = c
			}
		}
	}
	s.Risk, s.RiskReasons = ComputeRisk(RiskInput{
		FailedSignIns:    in.FailedSignIns,
		Country:          s.Country,
		KnownCountries:   in.KnownCountries,
		AnonymousNetwork: s.AnonymousNetwork,
	})
	return s
}

// authAgeSeconds is the value of auth_age_seconds.
func authAgeSeconds(age time.Duration) int64 {
	if age < 0 {
		return math.MaxInt64
	}
	return int64(age / time.Second)
}

// Evaluate decides on in. A policy whose expression fails to evaluate
// counts as a deny (see the package documentation).
func (e *Engine) Evaluate(in Input) Decision {
	d := Decision{Outcome: Allow, Signals: e.Signals(in)}
	act := newActivation(&in, &d.Signals)
	defer act.release()
	fast := small(&in, &d.Signals) && !e.noFast

	var acrSet bool
	for i := range e.policies {
		p := &e.policies[i]
		out, err := p.prg.eval(act, fast)
		if err == nil {
			b, ok := out.Value().(bool)
			if !ok {
				err = fmt.Errorf("result is %s, not bool", out.Type())
			} else if !b {
				continue
			}
		}
		if d.Policies == nil {
			d.Policies = make([]string, 0, len(e.policies)-i)
		}
		d.Policies = append(d.Policies, p.Name)
		if err != nil {
			d.Errors = append(d.Errors, fmt.Errorf("conditional: policy %q: %w", p.Name, err))
			d.raise(Deny, p.failed)
			continue
		}
		switch p.Action {
		case Deny:
			d.raise(Deny, p.reason)
		case Restrict:
			d.Restrict = d.Restrict.Union(p.Restrict)
			d.raise(Restrict, p.reason)
		case RequireMFA:
			if p.MaxAuthAge > 0 && (d.MaxAuthAge == 0 || p.MaxAuthAge < d.MaxAuthAge) {
				d.MaxAuthAge = p.MaxAuthAge
			}
			if len(p.ACRValues) > 0 {
				if !acrSet {
					d.ACRValues, acrSet = slices.Clone(p.ACRValues), true
				} else {
					d.ACRValues = slices.DeleteFunc(d.ACRValues, func(v string) bool { return !slices.Contains(p.ACRValues, v) })
				}
			}
			why := stepUpNeeded(p, &in, d.Signals.AuthAge)
			if why == satisfied {
				d.Satisfied = append(d.Satisfied, p.Name)
				continue
			}
			d.raise(RequireMFA, p.stepUp[why])
		}
	}
	if acrSet && len(d.ACRValues) == 0 {
		// No single sign-in can satisfy every applying require_mfa
		// policy: stepping up for one would fail another.
		d.raise(Deny, "Access denied: the conditional access policies that apply accept no common authentication context (acr).")
		d.Errors = append(d.Errors, fmt.Errorf("conditional: the require_mfa policies among %q have no acr value in common", d.Policies))
	}
	return d
}

// raise makes outcome the decision's outcome, with reason, if it is more
// restrictive than the current one. Of equally restrictive outcomes the
// first keeps its reason.
func (d *Decision) raise(outcome, reason string) {
	r, cur := rank(outcome), rank(d.Outcome)
	if r < cur || (r == cur && d.Reason != "") {
		return
	}
	d.Outcome, d.Reason = outcome, reason
}

// stepUpNeeded returns why p's require_mfa is not met by the sign-in
// (needMFA, needACR, needFresh), or satisfied.
func stepUpNeeded(p *compiled, in *Input, authAge time.Duration) int {
	switch {
	case !in.MFA:
		return needMFA
	case len(p.ACRValues) > 0 && !slices.Contains(p.ACRValues, in.ACR):
		return needACR
	case p.MaxAuthAge > 0 && (authAge < 0 || authAge > p.MaxAuthAge):
		return needFresh
	}
	return satisfied
}
