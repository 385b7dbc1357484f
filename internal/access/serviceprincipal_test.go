package access

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/identity"
)

// Ensure a service principal holds exactly the roles that name it (not
// all_users, not its app's), and that a policy requiring MFA denies it
// with policy-denied instead of asking for a step-up.
func TestServicePrincipal(t *testing.T) {
	ca, err := conditional.New(conditional.Options{Policies: []conditional.Policy{
		{Name: "it-needs-mfa", When: `agent == "it" && !mfa`, Action: conditional.RequireMFA},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPolicy(map[string][]string{"bots": {"hr", "it"}}, []Role{
		{Name: "employee", AllUsers: true, Agents: []string{"hr", "it"}},
		{Name: "bot-app", Apps: []string{"bots"}, Agents: []string{"hr"}},
		{Name: "builders", ServicePrincipals: []string{"build-bot"}, Agents: []string{"hr", "it"}, Tools: []string{"deploy"}},
	}, ca)
	bot := identity.Principal{Kind: identity.KindService, Subject: "build-bot", App: "bots", Issuer: "local"}
	if got := p.Grants(bot).Roles(); !cmp.Equal(got, []string{"builders"}) {
		t.Errorf("roles of build-bot = %v, want [builders]", got)
	}
	if d := p.Decide(Request{Principal: bot, Agent: "hr"}); !d.Allow || !d.MayCall("deploy") {
		t.Errorf("build-bot on hr: %v %s", d.Allow, d.Reason)
	}
	if d := p.Decide(Request{Principal: bot, Agent: "it"}); d.Allow || d.Reason != ReasonPolicyDenied {
		t.Errorf("build-bot on an MFA-requiring agent: %v %s, want denied with %s", d.Allow, d.Reason, ReasonPolicyDenied)
	}
	other := identity.Principal{Kind: identity.KindService, Subject: "other", App: "bots"}
	if d := p.Decide(Request{Principal: other, Agent: "hr"}); d.Allow || d.Reason != ReasonNoRole {
		t.Errorf("a service principal no role names: %v %s", d.Allow, d.Reason)
	}
	// A user with MFA missing is still asked to step up.
	u := identity.Principal{Kind: identity.KindUser, Issuer: "local", Subject: "alice", App: "bots"}
	if d := p.Decide(Request{Principal: u, Agent: "it"}); d.Reason != ReasonMFARequired {
		t.Errorf("user without MFA: %s, want %s", d.Reason, ReasonMFARequired)
	}
}
