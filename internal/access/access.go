// Package access decides, per request, whether a principal may use an
// agent. A decision is a pure function of a Request value and returns the
// outcome with a stable reason, which the audit log, error bodies and the
// console all use.
//
// At this stage the policy is the app allow-list: an app reaches only the
// agents it is registered for. Roles and conditional access are added
// behind the same Decide call.
package access

import "github.com/palisade-gw/palisade/internal/identity"

// Reasons are stable identifiers for why a decision came out as it did.
const (
	ReasonAppAllowed    = "app-allowed"
	ReasonAppNotAllowed = "app-not-allowed"
	ReasonUnknownApp    = "app-unknown"
)

// Request is what a decision is made about.
type Request struct {
	Principal identity.Principal
	Agent     string
}

// Decision is the outcome of Decide.
type Decision struct {
	Allow  bool
	Reason string
}

// Policy holds what each app may reach.
type Policy struct {
	appAgents map[string]map[string]bool
}

// NewPolicy builds the policy from each app's list of agents.
func NewPolicy(appAgents map[string][]string) *Policy {
	p := &Policy{appAgents: make(map[string]map[string]bool, len(appAgents))}
	for app, agents := range appAgents {
		set := make(map[string]bool, len(agents))
		for _, a := range agents {
			set[a] = true
		}
		p.appAgents[app] = set
	}
	return p
}

// Decide returns whether req may proceed. Anything not granted is denied.
func (p *Policy) Decide(req Request) Decision {
	agents, ok := p.appAgents[req.Principal.App]
	if !ok {
		return Decision{Allow: false, Reason: ReasonUnknownApp}
	}
	if !agents[req.Agent] {
		return Decision{Allow: false, Reason: ReasonAppNotAllowed}
	}
	return Decision{Allow: true, Reason: ReasonAppAllowed}
}

// Agents returns the agents app may reach, for listing.
func (p *Policy) Agents(app string) map[string]bool { return p.appAgents[app] }
