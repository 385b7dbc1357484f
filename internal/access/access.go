// Package access decides, per request, whether a principal may use an
// agent, and what it may read and call there. A decision is a pure
// function of a Request value and returns the outcome with a stable reason,
// which the audit log, error bodies and the console all use.
//
// Two checks must both pass, and anything neither grants is denied:
//
//   - the app allow-list: a request comes through a registered app, and the
//     app reaches only the agents it is registered for;
//   - role-based access control: the caller holds a role that grants use of
//     the agent. Signed-in users hold roles through their issuer-qualified
//     subject, groups and provider roles (or all_users); a caller that
//     presents only an app's credential holds the roles given to the app;
//     a service principal holds the roles that name it (never all_users).
//     A conditional access policy that requires MFA denies a service
//     principal (policy-denied), which cannot step up.
//
// The roles held also say which knowledge labels the caller may read
// (Grants.MayRead), which tools it may call and which administrative
// actions it may take.
//
// When roles allow a request, conditional access (package
// access/conditional) may still deny it, ask for a multi-factor sign-in
// (step-up), or restrict it: take away tools or knowledge. Conditional access
// only ever takes away what roles granted.
package access

import (
	"net/netip"
	"slices"
	"time"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/identity"
)

// Reasons are stable identifiers for why a decision came out as it did.
const (
	ReasonAllowed       = "role-granted"
	ReasonAppNotAllowed = "app-not-allowed"
	ReasonUnknownApp    = "app-unknown"
	ReasonNoRole        = "no-role-grants-agent"
	ReasonPolicyDenied  = "policy-denied"
	ReasonMFARequired   = "mfa-required"
)

// Wildcard in a role's permission list grants everything of its kind.
const Wildcard = "*"

// Request is what a decision is made about.
type Request struct {
	Principal identity.Principal
	Agent     string
	// IP is the client's address (after trusted proxies), for locations,
	// country and risk.
	IP netip.Addr
	// Now is the time of the request.
	Now time.Time
	// FailedSignIns and KnownCountries are the signed-in user's recent
	// failed sign-ins and the countries they signed in from before, for
	// the sign-in risk.
	FailedSignIns  int
	KnownCountries []string
}

// Decision is the outcome of Decide.
type Decision struct {
	Allow  bool
	Reason string
	// Grants are the caller's roles and what they allow; set whether or
	// not the decision allows, so a refusal can say which roles were held.
	Grants Grants
	// Conditional is the conditional access decision; nil when roles
	// already refused or no conditional access is configured.
	Conditional *conditional.Decision
}

// Message is the reason to show the caller for a conditional access
// refusal ("" otherwise).
func (d Decision) Message() string {
	if d.Conditional == nil {
		return ""
	}
	return d.Conditional.Reason
}

// Restriction is what conditional access took away from an allowed
// request.
func (d Decision) Restriction() conditional.Restriction {
	if d.Conditional == nil {
		return conditional.Restriction{}
	}
	return d.Conditional.Restrict
}

// MayRead reports whether a knowledge document with labels may be used:
// the roles must grant every label and no restriction may withhold the
// document (no_knowledge withholds every document, deny_labels those with
// any of its labels).
func (d Decision) MayRead(labels []string) bool {
	r := d.Restriction()
	if r.NoKnowledge {
		return false
	}
	for _, l := range labels {
		if slices.Contains(r.DenyLabels, l) {
			return false
		}
	}
	return d.Grants.MayRead(labels)
}

// MayCall reports whether the caller may call tool in this request.
func (d Decision) MayCall(tool string) bool {
	r := d.Restriction()
	return !r.NoTools && !slices.Contains(r.DenyTools, tool) && d.Grants.MayCall(tool)
}

// Role is a named set of permissions and the callers who hold it. Users,
// Groups and IdPRoles are issuer-qualified ("corp:alice").
type Role struct {
	Name     string
	AllUsers bool
	Users    []string
	Groups   []string
	IdPRoles []string
	Apps     []string
	// ServicePrincipals are service principals' names (without "sp:").
	ServicePrincipals []string
	// Agents may be used, Labels read, Tools called, Admin permissions
	// exercised. Wildcard grants all of a kind.
	Agents, Labels, Tools, Admin []string
}

// role is a Role with its permission lists as sets.
type role struct {
	name                         string
	agents, labels, tools, admin set
}

// set is a permission list: its members, or everything.
type set struct {
	all bool
	m   map[string]struct{}
}

func newSet(vals []string) set {
	s := set{m: make(map[string]struct{}, len(vals))}
	for _, v := range vals {
		if v == Wildcard {
			s.all = true
		}
		s.m[v] = struct{}{}
	}
	return s
}

func (s set) has(v string) bool {
	if s.all {
		return true
	}
	_, ok := s.m[v]
	return ok
}

// Policy holds what each app may reach, the roles and the conditional
// access policies.
type Policy struct {
	appAgents map[string]map[string]bool
	roles     []role
	ca        *conditional.Engine
	// Membership indexes: who holds which roles (indexes into roles).
	allUsers                          []int
	byUser, byGroup, byIdPRole, byApp map[string][]int
	byService                         map[string][]int
}

// NewPolicy builds the policy from each app's list of agents, the roles
// and the conditional access engine (nil: none).
func NewPolicy(appAgents map[string][]string, roles []Role, ca *conditional.Engine) *Policy {
	p := &Policy{
		ca:        ca,
		appAgents: make(map[string]map[string]bool, len(appAgents)),
		byUser:    map[string][]int{}, byGroup: map[string][]int{},
		byIdPRole: map[string][]int{}, byApp: map[string][]int{},
		byService: map[string][]int{},
	}
	for app, agents := range appAgents {
		s := make(map[string]bool, len(agents))
		for _, a := range agents {
			s[a] = true
		}
		p.appAgents[app] = s
	}
	for i, r := range roles {
		p.roles = append(p.roles, role{name: r.Name, agents: newSet(r.Agents), labels: newSet(r.Labels), tools: newSet(r.Tools), admin: newSet(r.Admin)})
		if r.AllUsers {
			p.allUsers = append(p.allUsers, i)
		}
		index := func(m map[string][]int, keys []string) {
			for _, k := range keys {
				if !slices.Contains(m[k], i) {
					m[k] = append(m[k], i)
				}
			}
		}
		index(p.byUser, r.Users)
		index(p.byGroup, r.Groups)
		index(p.byIdPRole, r.IdPRoles)
		index(p.byApp, r.Apps)
		index(p.byService, r.ServicePrincipals)
	}
	return p
}

// Grants are the roles a caller holds and what they allow together.
type Grants struct {
	p    *Policy
	held []int // indexes into p.roles, ascending, unique
}

// Roles returns the names of the roles held, in configuration order.
func (g Grants) Roles() []string {
	out := make([]string, len(g.held))
	for i, r := range g.held {
		out[i] = g.p.roles[r].name
	}
	return out
}

// MayUse reports whether a role held grants use of agent.
func (g Grants) MayUse(agent string) bool {
	return g.any(func(r *role) bool { return r.agents.has(agent) })
}

// MayRead reports whether the roles held grant every one of labels (a
// document is readable only with all of its labels). No labels: true.
func (g Grants) MayRead(labels []string) bool {
	for _, l := range labels {
		if !g.any(func(r *role) bool { return r.labels.has(l) }) {
			return false
		}
	}
	return true
}

// MayCall reports whether a role held grants calling tool.
func (g Grants) MayCall(tool string) bool {
	return g.any(func(r *role) bool { return r.tools.has(tool) })
}

// MayAdminister reports whether a role held grants the administrative
// permission perm.
func (g Grants) MayAdminister(perm string) bool {
	return g.any(func(r *role) bool { return r.admin.has(perm) })
}

func (g Grants) any(f func(*role) bool) bool {
	if g.p == nil {
		return false
	}
	for _, i := range g.held {
		if f(&g.p.roles[i]) {
			return true
		}
	}
	return false
}

// Grants returns the roles pr holds. A signed-in user holds roles through
// all_users, their qualified subject, groups and provider roles; a caller
// with only an app credential holds the roles given to its app.
func (p *Policy) Grants(pr identity.Principal) Grants {
	g := Grants{p: p}
	add := func(idx []int) {
		for _, i := range idx {
			if !slices.Contains(g.held, i) {
				g.held = append(g.held, i)
			}
		}
	}
	switch pr.Kind {
	case identity.KindUser:
		add(p.allUsers)
		add(p.byUser[pr.User()])
		for _, v := range pr.Groups {
			add(p.byGroup[v])
		}
		for _, v := range pr.IdPRoles {
			add(p.byIdPRole[v])
		}
	case identity.KindApp, identity.KindDirectLineToken:
		add(p.byApp[pr.App])
	case identity.KindService:
		// Only roles that name it: all_users is for people.
		add(p.byService[pr.Subject])
	}
	slices.Sort(g.held)
	return g
}

// Decide returns whether req may proceed. Anything not granted is denied.
func (p *Policy) Decide(req Request) Decision {
	g := p.Grants(req.Principal)
	agents, ok := p.appAgents[req.Principal.App]
	switch {
	case !ok:
		return Decision{Reason: ReasonUnknownApp, Grants: g}
	case !agents[req.Agent]:
		return Decision{Reason: ReasonAppNotAllowed, Grants: g}
	case !g.MayUse(req.Agent):
		return Decision{Reason: ReasonNoRole, Grants: g}
	}
	d := Decision{Allow: true, Reason: ReasonAllowed, Grants: g}
	if p.ca == nil {
		return d
	}
	cd := p.ca.Evaluate(p.Input(req, g))
	d.Conditional = &cd
	switch cd.Outcome {
	case conditional.Deny:
		d.Allow, d.Reason = false, ReasonPolicyDenied
	case conditional.RequireMFA:
		d.Allow, d.Reason = false, ReasonMFARequired
		if req.Principal.Kind == identity.KindService {
			// A service principal cannot step up: a policy that
			// requires MFA denies it, and never prompts.
			d.Reason = ReasonPolicyDenied
		}
	}
	return d
}

// Input is what conditional access sees of req: a signed-in user's
// issuer-qualified subject, groups, MFA and sign-in time; for callers
// holding only an app credential, the app alone (the user such a caller
// names is not verified, so it is not offered to policies).
func (p *Policy) Input(req Request, g Grants) conditional.Input {
	pr := req.Principal
	in := conditional.Input{
		App: pr.App, Agent: req.Agent, Roles: g.Roles(), IP: req.IP, Now: req.Now,
	}
	if pr.Kind == identity.KindUser {
		in.User, in.Issuer, in.Groups = pr.User(), pr.Issuer, pr.Groups
		in.MFA, in.ACR, in.AuthTime = pr.MFA, pr.ACR, pr.AuthTime
		in.FailedSignIns, in.KnownCountries = req.FailedSignIns, req.KnownCountries
	}
	// A device certificate verified in the TLS handshake counts for any
	// caller; a provider's device claim only comes with a user.
	in.DeviceCompliant = pr.DeviceCompliant
	return in
}

// Agents returns the agents pr may use: those its app reaches and a role
// it holds grants.
func (p *Policy) Agents(pr identity.Principal) map[string]bool {
	g := p.Grants(pr)
	out := map[string]bool{}
	for a := range p.appAgents[pr.App] {
		if g.MayUse(a) {
			out[a] = true
		}
	}
	return out
}
