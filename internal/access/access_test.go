package access

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/identity"
)

func testPolicy() *Policy {
	return NewPolicy(map[string][]string{"web": {"hr", "it"}, "ops": {"it"}}, []Role{
		{Name: "employee", AllUsers: true, Agents: []string{"hr"}},
		{Name: "hr-staff", Groups: []string{"corp:hr"}, Agents: []string{"hr"}, Labels: []string{"hr-confidential"}},
		{Name: "it", IdPRoles: []string{"corp:IT.Admin"}, Users: []string{"corp:root-sub"}, Agents: []string{"it"}, Tools: []string{"reset-password"}},
		{Name: "board", Users: []string{"corp:ceo"}, Labels: []string{"board"}},
		{Name: "service", Apps: []string{"ops"}, Agents: []string{Wildcard}},
		{Name: "auditor", Groups: []string{"google:audit"}, Admin: []string{"audit.read"}},
	}, nil)
}

func user(sub string, groups, roles []string) identity.Principal {
	return identity.Principal{Kind: identity.KindUser, Issuer: "corp", Subject: sub, App: "web", Groups: groups, IdPRoles: roles}
}

// Ensure a request passes only when its app reaches the agent and a role
// the caller holds grants it; everything else is denied with its reason.
func TestDecide(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name      string
		pr        identity.Principal
		agent     string
		allow     bool
		reason    string
		wantRoles []string
	}{
		{"all users reach hr", user("alice", nil, nil), "hr", true, ReasonAllowed, []string{"employee"}},
		{"a group adds its role", user("bob", []string{"corp:hr"}, nil), "hr", true, ReasonAllowed, []string{"employee", "hr-staff"}},
		{"no role grants it", user("alice", nil, nil), "it", false, ReasonNoRole, []string{"employee"}},
		{"an idp role grants it", user("carol", nil, []string{"corp:IT.Admin"}), "it", true, ReasonAllowed, []string{"employee", "it"}},
		{"a user grants it", user("root-sub", nil, nil), "it", true, ReasonAllowed, []string{"employee", "it"}},
		{"a group of another issuer does not count", user("dave", []string{"google:hr"}, nil), "it", false, ReasonNoRole, []string{"employee"}},
		{"unqualified group value does not match", user("erin", []string{"hr"}, nil), "hr", true, ReasonAllowed, []string{"employee"}},
		{"the app must reach the agent", identity.Principal{Kind: identity.KindApp, App: "ops"}, "hr", false, ReasonAppNotAllowed, []string{"service"}},
		{"an app credential holds the app's roles", identity.Principal{Kind: identity.KindApp, App: "ops"}, "it", true, ReasonAllowed, []string{"service"}},
		{"an app without roles is denied", identity.Principal{Kind: identity.KindApp, App: "web"}, "hr", false, ReasonNoRole, []string{}},
		{"a Direct Line token holds its app's roles", identity.Principal{Kind: identity.KindDirectLineToken, App: "ops", Subject: "dl_u"}, "it", true, ReasonAllowed, []string{"service"}},
		{"a user does not inherit the app's roles", identity.Principal{Kind: identity.KindUser, Issuer: "corp", Subject: "x", App: "ops"}, "it", false, ReasonNoRole, []string{"employee"}},
		{"an app-asserted user is not a signed-in user", identity.Principal{Kind: identity.KindApp, App: "web", Subject: "alice", Groups: []string{"corp:hr"}}, "hr", false, ReasonNoRole, []string{}},
		{"unknown app", identity.Principal{Kind: identity.KindUser, Issuer: "corp", Subject: "alice"}, "hr", false, ReasonUnknownApp, []string{"employee"}},
		{"no kind holds nothing", identity.Principal{App: "ops"}, "it", false, ReasonNoRole, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(Request{Principal: tt.pr, Agent: tt.agent})
			if d.Allow != tt.allow || d.Reason != tt.reason {
				t.Errorf("Decide = %v %s, want %v %s", d.Allow, d.Reason, tt.allow, tt.reason)
			}
			if diff := cmp.Diff(tt.wantRoles, d.Grants.Roles()); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure label, tool and admin grants are the union of the roles held, and
// a document needs every one of its labels.
func TestGrants(t *testing.T) {
	p := testPolicy()
	hr := p.Grants(user("bob", []string{"corp:hr"}, nil))
	ceoHR := p.Grants(user("ceo", []string{"corp:hr"}, nil))
	none := p.Grants(identity.Principal{})
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"hr reads hr-confidential", hr.MayRead([]string{"hr-confidential"}), true},
		{"hr does not read board", hr.MayRead([]string{"board"}), false},
		{"hr does not read a document labelled hr-confidential and board", hr.MayRead([]string{"hr-confidential", "board"}), false},
		{"ceo in hr reads both", ceoHR.MayRead([]string{"hr-confidential", "board"}), true},
		{"no labels are readable by anyone", none.MayRead(nil), true},
		{"nobody reads a label without a grant", none.MayRead([]string{"hr-confidential"}), false},
		{"tools are granted by role", p.Grants(user("root-sub", nil, nil)).MayCall("reset-password"), true},
		{"tools are not granted by default", hr.MayCall("reset-password"), false},
		{"admin by group of another issuer", p.Grants(identity.Principal{Kind: identity.KindUser, Issuer: "google", Subject: "a", Groups: []string{"google:audit"}}).MayAdminister("audit.read"), true},
		{"admin not granted", hr.MayAdminister("audit.read"), false},
		{"zero grants allow nothing", Grants{}.MayUse("hr"), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if diff := cmp.Diff(map[string]bool{"it": true}, p.Agents(identity.Principal{Kind: identity.KindApp, App: "ops"})); diff != "" {
		t.Errorf("Agents(ops) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{"hr": true}, p.Agents(user("alice", nil, nil))); diff != "" {
		t.Errorf("Agents(alice) (-want +got):\n%s", diff)
	}
}

// BenchmarkDecide measures an RBAC decision for a user with a few groups
// against a policy of 20 roles.
func BenchmarkDecide(b *testing.B) {
	roles := []Role{{Name: "employee", AllUsers: true, Agents: []string{"hr"}}}
	for i := range 19 {
		roles = append(roles, Role{Name: "r" + string(rune('a'+i)), Groups: []string{"corp:g" + string(rune('a'+i))}, Agents: []string{"hr"}, Labels: []string{"l" + string(rune('a'+i))}})
	}
	p := NewPolicy(map[string][]string{"web": {"hr"}}, roles, nil)
	req := Request{Principal: user("alice", []string{"corp:ga", "corp:gc", "corp:gz", "corp:other"}, []string{"corp:x"}), Agent: "hr"}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(req); !d.Allow || !d.Grants.MayRead([]string{"lc"}) {
			b.Fatal("denied")
		}
	}
}

// Ensure conditional access runs only after roles allow, can deny, ask for
// MFA (satisfied by an MFA sign-in) and restrict what may be read and
// called, and sees a verified user but never an app-asserted one.
func TestDecideWithConditions(t *testing.T) {
	ca, err := conditional.New(conditional.Options{
		Locations: []conditional.Location{{Name: "office", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
		Policies: []conditional.Policy{
			{Name: "blocked-user", When: `user == "corp:mallory"`, Action: conditional.Deny, Message: "Your account is blocked."},
			{Name: "hr-needs-mfa", When: `"corp:hr" in groups`, Action: conditional.RequireMFA},
			{Name: "off-network", When: `!("office" in locations)`, Action: conditional.Restrict,
				Restrict: conditional.Restriction{NoTools: true, DenyLabels: []string{"hr-confidential"}}},
			{Name: "apps-have-no-user", When: `app == "ops" && user != ""`, Action: conditional.Deny},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPolicy(map[string][]string{"web": {"hr", "it"}, "ops": {"it"}}, []Role{
		{Name: "employee", AllUsers: true, Agents: []string{"hr"}, Tools: []string{"lookup"}},
		{Name: "hr-staff", Groups: []string{"corp:hr"}, Labels: []string{"hr-confidential"}},
		{Name: "service", Apps: []string{"ops"}, Agents: []string{"it"}},
	}, ca)
	office, home := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("203.0.113.9")
	hr := user("hana", []string{"corp:hr"}, nil)
	hrMFA := hr
	hrMFA.MFA = true

	d := p.Decide(Request{Principal: user("mallory", nil, nil), Agent: "hr", IP: office})
	if d.Allow || d.Reason != ReasonPolicyDenied || d.Message() != "Your account is blocked." {
		t.Errorf("blocked user: %v %s %q", d.Allow, d.Reason, d.Message())
	}
	if d := p.Decide(Request{Principal: user("mallory", nil, nil), Agent: "it", IP: office}); d.Reason != ReasonNoRole || d.Conditional != nil {
		t.Errorf("conditional access ran although roles refused: %+v", d)
	}
	if d := p.Decide(Request{Principal: hr, Agent: "hr", IP: office}); d.Allow || d.Reason != ReasonMFARequired {
		t.Errorf("hr without MFA: %v %s", d.Allow, d.Reason)
	}
	d = p.Decide(Request{Principal: hrMFA, Agent: "hr", IP: office})
	if !d.Allow || !d.MayRead([]string{"hr-confidential"}) || !d.MayCall("lookup") {
		t.Errorf("hr with MFA in the office: allow %v read %v call %v", d.Allow, d.MayRead([]string{"hr-confidential"}), d.MayCall("lookup"))
	}
	d = p.Decide(Request{Principal: hrMFA, Agent: "hr", IP: home})
	if !d.Allow || d.MayRead([]string{"hr-confidential"}) || !d.MayRead(nil) || d.MayCall("lookup") {
		t.Errorf("hr at home must lose hr-confidential and tools: allow %v read %v call %v", d.Allow, d.MayRead([]string{"hr-confidential"}), d.MayCall("lookup"))
	}
	app := identity.Principal{Kind: identity.KindApp, App: "ops", Subject: "claims-to-be-alice"}
	if d := p.Decide(Request{Principal: app, Agent: "it", IP: office}); !d.Allow {
		t.Errorf("an app-asserted user reached conditional access as a user: %s %v", d.Reason, d.Conditional.Policies)
	}
}

// BenchmarkDecideWithConditions measures a whole decision: RBAC over 20
// roles and 20 compiled conditional access policies.
func BenchmarkDecideWithConditions(b *testing.B) {
	roles := []Role{{Name: "employee", AllUsers: true, Agents: []string{"hr"}}}
	for i := range 19 {
		roles = append(roles, Role{Name: fmt.Sprintf("r%d", i), Groups: []string{fmt.Sprintf("corp:g%d", i)}, Labels: []string{fmt.Sprintf("l%d", i)}})
	}
	var policies []conditional.Policy
	for i := range 20 {
		var when, action string
		switch i % 5 {
		case 0:
			when, action = fmt.Sprintf(`"corp:g%d" in groups && !mfa`, i), conditional.RequireMFA
		case 1:
			when, action = `!("office" in locations) && agent == "payroll"`, conditional.Deny
		case 2:
			when, action = fmt.Sprintf(`time.hour < %d && app == "kiosk"`, i%7), conditional.Deny
		case 3:
			when, action = `risk == "high"`, conditional.Deny
		case 4:
			when, action = fmt.Sprintf(`ip_in(ip, "192.0.%d.0/24") && !device.compliant`, i), conditional.Restrict
		}
		p := conditional.Policy{Name: fmt.Sprintf("p%d", i), When: when, Action: action}
		if action == conditional.Restrict {
			p.Restrict = conditional.Restriction{NoTools: true}
		}
		policies = append(policies, p)
	}
	ca, err := conditional.New(conditional.Options{Policies: policies,
		Locations: []conditional.Location{{Name: "office", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}})
	if err != nil {
		b.Fatal(err)
	}
	p := NewPolicy(map[string][]string{"web": {"hr"}}, roles, ca)
	pr := user("alice", []string{"corp:g1", "corp:g3", "corp:other"}, nil)
	pr.MFA = true
	req := Request{Principal: pr, Agent: "hr", IP: netip.MustParseAddr("10.9.8.7"), Now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(req); !d.Allow {
			b.Fatal(d.Reason, d.Conditional.Policies)
		}
	}
}
