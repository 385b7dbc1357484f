package conditional

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the time zone test must not depend on the host's zoneinfo

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var testLocations = []Location{
	{Name: "corp", CIDRs: prefixes("10.0.0.0/8", "2001:db8:c0::/48")},
	{Name: "vpn", CIDRs: prefixes("::ffff:172.16.0.0/108")}, // 172.16.0.0/12 written IPv4-mapped
	{Name: "lab", CIDRs: prefixes("10.20.0.0/16")},
}

func mustNew(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   []string // substrings of the error
	}{
		{"syntax", Policy{Name: "p1", When: `user ==`, Action: Deny}, []string{`policy "p1"`, "Syntax error"}},
		{"not bool", Policy{Name: "p2", When: `user`, Action: Deny}, []string{`policy "p2"`, "must be bool", "string"}},
		{"int", Policy{Name: "p3", When: `time.hour + 1`, Action: Deny}, []string{"must be bool", "int"}},
		{"unknown variable", Policy{Name: "p4", When: `username == "a"`, Action: Deny}, []string{`policy "p4"`, "undeclared reference to 'username'"}},
		{"unknown field", Policy{Name: "p5", When: `device.managed`, Action: Deny}, []string{"undeclared reference"}},
		{"unknown function", Policy{Name: "p6", When: `in_range(ip, "10.0.0.0/8")`, Action: Deny}, []string{"undeclared reference to 'in_range'"}},
		{"wrong type", Policy{Name: "p7", When: `time.hour == "9"`, Action: Deny}, []string{"no matching overload"}},
		{"unknown action", Policy{Name: "p8", When: `true`, Action: "block"}, []string{`policy "p8"`, `unknown action "block"`}},
		{"no action", Policy{Name: "p9", When: `true`}, []string{`unknown action ""`}},
		{"no name", Policy{When: `true`, Action: Deny}, []string{"policy 0", "name is required"}},
		{"no when", Policy{Name: "p10", Action: Deny}, []string{"when is required"}},
		{"empty restrict", Policy{Name: "p11", When: `true`, Action: Restrict}, []string{"must take something away"}},
		{"restriction on deny", Policy{Name: "p12", When: `true`, Action: Deny, Restrict: Restriction{NoTools: true}}, []string{"only for restrict"}},
		{"acr on allow", Policy{Name: "p13", When: `true`, Action: Allow, ACRValues: []string{"x"}}, []string{"only for require_mfa"}},
		{"negative age", Policy{Name: "p14", When: `true`, Action: RequireMFA, MaxAuthAge: -time.Second}, []string{"negative"}},
		{"empty acr", Policy{Name: "p15", When: `true`, Action: RequireMFA, ACRValues: []string{""}}, []string{"empty value"}},
		{"unknown location", Policy{Name: "p16", When: `"hq" in locations`, Action: Deny}, []string{`no location is named "hq"`}},
		{"bad ip_in range", Policy{Name: "p17", When: `ip_in(ip, "10.0.0.0/33")`, Action: Deny}, []string{"ip_in", "invalid range"}},
		{"too long", Policy{Name: "p18", When: strings.Repeat("true && ", 600) + "true", Action: Deny}, []string{"limit of 4096"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{Locations: testLocations, Policies: []Policy{tt.policy}})
			if err == nil {
				t.Fatal("New: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := New(Options{
		Locations: []Location{{Name: "a"}, {Name: "b", CIDRs: []netip.Prefix{{}}}, {Name: "c", CIDRs: prefixes("10.0.0.0/8")}, {Name: "c", CIDRs: prefixes("10.0.0.0/8")}},
		Policies: []Policy{
			{Name: "x", When: `true`, Action: Deny},
			{Name: "x", When: `true`, Action: Deny},
			{Name: "y", When: `1`, Action: Deny},
		},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{`location 0 "a": no CIDRs`, `location 1 "b": invalid prefix`, `location "c": defined twice`, `policy "x": name used twice`, `policy "y"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestNewAccepts(t *testing.T) {
	mustNew(t, Options{Locations: testLocations, Policies: []Policy{
		{Name: "plain-mfa", When: `true`, Action: RequireMFA},
		{Name: "all-vars", Action: Deny, When: `user == "a" && issuer == "i" && "g" in groups && "r" in roles && app == "x" &&
			agent == "y" && ip == "10.0.0.1" && "corp" in locations && country == "DE" && device.compliant && risk == "low" &&
			mfa && acr == "c" && auth_age_seconds < 60 && time.hour == 1 && time.minute == 2 && time.weekday == 3 &&
			ip_in(ip, "10.0.0.0/8") && ip_in(ip, "::1")`},
		{Name: "macros", When: `groups.exists(g, g.startsWith("hr-")) && locations.all(l, l != "lab") && size(roles) > 0`, Action: Allow},
	}})
}

func TestOutcomes(t *testing.T) {
	e := mustNew(t, Options{Policies: []Policy{
		{Name: "deny-contractors", When: `"contractors" in groups && agent == "payroll"`, Action: Deny, Message: "Contractors may not use payroll."},
		{Name: "mfa-admins", When: `"admins" in roles`, Action: RequireMFA},
		{Name: "restrict-unmanaged", When: `!device.compliant`, Action: Restrict, Restrict: Restriction{NoTools: true, DenyLabels: []string{"confidential"}}},
		{Name: "allow-hr", When: `app == "hr-web"`, Action: Allow},
	}})
	tests := []struct {
		name string
		in   Input
		want Decision
	}{
		{"nothing applies", Input{DeviceCompliant: true}, Decision{Outcome: Allow}},
		{"allow", Input{App: "hr-web", DeviceCompliant: true}, Decision{Outcome: Allow, Policies: []string{"allow-hr"}}},
		{"deny", Input{Groups: []string{"contractors"}, Agent: "payroll", DeviceCompliant: true},
			Decision{Outcome: Deny, Reason: "Contractors may not use payroll.", Policies: []string{"deny-contractors"}}},
		{"require mfa", Input{Roles: []string{"admins"}, DeviceCompliant: true},
			Decision{Outcome: RequireMFA, Reason: `Multi-factor authentication is required by conditional access policy "mfa-admins".`, Policies: []string{"mfa-admins"}}},
		{"mfa satisfied", Input{Roles: []string{"admins"}, DeviceCompliant: true, MFA: true},
			Decision{Outcome: Allow, Policies: []string{"mfa-admins"}, Satisfied: []string{"mfa-admins"}}},
		{"restrict", Input{},
			Decision{Outcome: Restrict, Reason: `Access restricted by conditional access policy "restrict-unmanaged".`, Policies: []string{"restrict-unmanaged"},
				Restrict: Restriction{NoTools: true, DenyLabels: []string{"confidential"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
			got := e.Evaluate(tt.in)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Decision{}, "Signals"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}

// The most restrictive outcome wins; restrictions are unioned; the first
// policy of the winning outcome gives the reason.
func TestCombination(t *testing.T) {
	e := mustNew(t, Options{Policies: []Policy{
		{Name: "allow-all", When: `true`, Action: Allow},
		{Name: "no-tools", When: `"guest" in groups`, Action: Restrict, Message: "Guests cannot use tools.",
			Restrict: Restriction{NoTools: true, DenyTools: []string{"email"}, DenyLabels: []string{"confidential"}}},
		{Name: "no-upload", When: `"guest" in groups`, Action: Restrict,
			Restrict: Restriction{NoFileUpload: true, DenyTools: []string{"email", "calendar"}, DenyLabels: []string{"secret", "confidential"}}},
		{Name: "mfa-guests", When: `"guest" in groups && agent == "hr"`, Action: RequireMFA, Message: "Guests need MFA for HR."},
		{Name: "deny-night", When: `time.hour < 6`, Action: Deny, Message: "Closed at night."},
		{Name: "deny-blocked", When: `user == "mallory"`, Action: Deny, Message: "Blocked."},
	}})
	day := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	night := time.Date(2026, 3, 4, 3, 0, 0, 0, time.UTC)
	union := Restriction{NoTools: true, NoFileUpload: true, DenyTools: []string{"email", "calendar"}, DenyLabels: []string{"confidential", "secret"}}
	tests := []struct {
		name string
		in   Input
		want Decision
	}{
		{"restrictions unioned", Input{Groups: []string{"guest"}, Now: day},
			Decision{Outcome: Restrict, Reason: "Guests cannot use tools.", Policies: []string{"allow-all", "no-tools", "no-upload"}, Restrict: union}},
		{"mfa beats restrict", Input{Groups: []string{"guest"}, Agent: "hr", Now: day},
			Decision{Outcome: RequireMFA, Reason: "Guests need MFA for HR.", Policies: []string{"allow-all", "no-tools", "no-upload", "mfa-guests"}, Restrict: union}},
		{"deny beats all", Input{Groups: []string{"guest"}, Agent: "hr", Now: night},
			Decision{Outcome: Deny, Reason: "Closed at night.", Policies: []string{"allow-all", "no-tools", "no-upload", "mfa-guests", "deny-night"}, Restrict: union}},
		{"first deny gives reason", Input{User: "mallory", Now: night},
			Decision{Outcome: Deny, Reason: "Closed at night.", Policies: []string{"allow-all", "deny-night", "deny-blocked"}}},
		{"satisfied mfa does not lift restrict", Input{Groups: []string{"guest"}, Agent: "hr", MFA: true, Now: day},
			Decision{Outcome: Restrict, Reason: "Guests cannot use tools.", Policies: []string{"allow-all", "no-tools", "no-upload", "mfa-guests"},
				Satisfied: []string{"mfa-guests"}, Restrict: union}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.Evaluate(tt.in)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Decision{}, "Signals"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStepUp(t *testing.T) {
	const phr, mfa = "urn:example:acr:phr", "urn:example:acr:mfa"
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	e := mustNew(t, Options{Policies: []Policy{
		{Name: "admins", When: `"admins" in groups`, Action: RequireMFA, ACRValues: []string{phr, mfa}, MaxAuthAge: 12 * time.Hour},
		{Name: "payroll", When: `agent == "payroll"`, Action: RequireMFA, ACRValues: []string{phr}, MaxAuthAge: time.Hour},
		{Name: "sso-only", When: `agent == "legacy"`, Action: RequireMFA, ACRValues: []string{"urn:example:acr:sso"}},
		{Name: "plain", When: `agent == "wiki"`, Action: RequireMFA},
	}})
	admin := func(mod func(*Input)) Input {
		in := Input{Groups: []string{"admins"}, MFA: true, ACR: mfa, AuthTime: now.Add(-time.Hour), Now: now}
		mod(&in)
		return in
	}
	tests := []struct {
		name      string
		in        Input
		outcome   string
		reason    string
		maxAge    time.Duration
		acr       []string
		satisfied []string
	}{
		{"satisfied", admin(func(*Input) {}), Allow, "", 12 * time.Hour, []string{phr, mfa}, []string{"admins"}},
		{"no mfa", admin(func(in *Input) { in.MFA = false }), RequireMFA, "Multi-factor", 12 * time.Hour, []string{phr, mfa}, nil},
		{"wrong acr", admin(func(in *Input) { in.ACR = "urn:example:acr:pwd" }), RequireMFA, "stronger sign-in", 12 * time.Hour, []string{phr, mfa}, nil},
		{"too old", admin(func(in *Input) { in.AuthTime = now.Add(-13 * time.Hour) }), RequireMFA, "more recent sign-in", 12 * time.Hour, []string{phr, mfa}, nil},
		{"auth time unknown", admin(func(in *Input) { in.AuthTime = time.Time{} }), RequireMFA, "more recent sign-in", 12 * time.Hour, []string{phr, mfa}, nil},
		{"auth time in the future", admin(func(in *Input) { in.AuthTime = now.Add(time.Minute) }), Allow, "", 12 * time.Hour, []string{phr, mfa}, []string{"admins"}},
		{"plain satisfied by any mfa", Input{Agent: "wiki", MFA: true, Now: now}, Allow, "", 0, nil, []string{"plain"}},
		{"plain not satisfied", Input{Agent: "wiki", ACR: phr, Now: now}, RequireMFA, "Multi-factor", 0, nil, nil},
		// Parameters combine: the smallest age, the acr values every policy accepts.
		{"combined params", admin(func(in *Input) { in.Agent = "payroll" }), RequireMFA, `policy "payroll"`, time.Hour, []string{phr}, []string{"admins"}},
		{"combined satisfied", admin(func(in *Input) { in.Agent = "payroll"; in.ACR = phr; in.AuthTime = now.Add(-time.Minute) }),
			Allow, "", time.Hour, []string{phr}, []string{"admins", "payroll"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Evaluate(tt.in)
			if d.Outcome != tt.outcome || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("outcome %s %q, want %s containing %q", d.Outcome, d.Reason, tt.outcome, tt.reason)
			}
			if d.MaxAuthAge != tt.maxAge {
				t.Errorf("MaxAuthAge %s, want %s", d.MaxAuthAge, tt.maxAge)
			}
			if diff := cmp.Diff(tt.acr, d.ACRValues, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ACRValues (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.satisfied, d.Satisfied, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Satisfied (-want +got):\n%s", diff)
			}
		})
	}

	// Policies whose acr values have nothing in common cannot be satisfied
	// by one sign-in: deny rather than loop through step-ups.
	d := e.Evaluate(admin(func(in *Input) { in.Agent = "legacy" }))
	if d.Outcome != Deny || !strings.Contains(d.Reason, "no common authentication context") || len(d.Errors) != 1 {
		t.Errorf("conflicting acr: %s %q %v, want deny", d.Outcome, d.Reason, d.Errors)
	}
}

func TestLocations(t *testing.T) {
	e := mustNew(t, Options{Locations: testLocations, Policies: []Policy{
		{Name: "outside", When: `size(locations) == 0`, Action: Deny, Message: "outside"},
		{Name: "lab", When: `"lab" in locations`, Action: Restrict, Restrict: Restriction{NoKnowledge: true}},
		{Name: "vpn", When: `"vpn" in locations`, Action: RequireMFA},
		{Name: "rfc1918", When: `ip_in(ip, "192.168.0.0/16") || ip_in(ip, "::ffff:10.0.0.0/104") && !ip_in(ip, "10.20.0.0/16")`, Action: Allow},
	}})
	tests := []struct {
		ip        string
		locations []string
		ipVar     string
		outcome   string
		policies  []string
	}{
		{"10.1.2.3", []string{"corp"}, "10.1.2.3", Allow, []string{"rfc1918"}},
		{"::ffff:10.1.2.3", []string{"corp"}, "10.1.2.3", Allow, []string{"rfc1918"}},
		{"10.20.0.5", []string{"corp", "lab"}, "10.20.0.5", Restrict, []string{"lab"}},
		{"::ffff:10.20.0.5", []string{"corp", "lab"}, "10.20.0.5", Restrict, []string{"lab"}},
		{"172.16.9.9", []string{"vpn"}, "172.16.9.9", RequireMFA, []string{"vpn"}},
		{"::ffff:172.31.255.255", []string{"vpn"}, "172.31.255.255", RequireMFA, []string{"vpn"}},
		{"2001:db8:c0:1::5", []string{"corp"}, "2001:db8:c0:1::5", Allow, nil},
		{"fe80::1%eth0", nil, "fe80::1", Deny, []string{"outside"}},
		{"192.168.1.1", nil, "192.168.1.1", Deny, []string{"outside", "rfc1918"}},
		{"", nil, "", Deny, []string{"outside"}},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			var ip netip.Addr
			if tt.ip != "" {
				ip = addr(tt.ip)
			}
			d := e.Evaluate(Input{IP: ip})
			if diff := cmp.Diff(tt.locations, d.Signals.Locations, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("locations (-want +got):\n%s", diff)
			}
			if got := d.Signals.IP; tt.ipVar != "" && got.String() != tt.ipVar {
				t.Errorf("signal IP %s, want %s", got, tt.ipVar)
			}
			if d.Outcome != tt.outcome {
				t.Errorf("outcome %s, want %s", d.Outcome, tt.outcome)
			}
			if diff := cmp.Diff(tt.policies, d.Policies, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
		})
	}
}

// The ip variable is the normalised address as a string.
func TestIPVariable(t *testing.T) {
	e := mustNew(t, Options{Policies: []Policy{{Name: "exact", When: `ip == "10.1.2.3"`, Action: Deny}}})
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3"} {
		if d := e.Evaluate(Input{IP: addr(s)}); d.Outcome != Deny {
			t.Errorf("%s: %s, want deny", s, d.Outcome)
		}
	}
}

func TestTimeOfDay(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e := mustNew(t, Options{TimeZone: berlin, Policies: []Policy{
		{Name: "after-hours", When: `time.hour < 7 || time.hour >= 19`, Action: RequireMFA},
		{Name: "weekend", When: `time.weekday == 0 || time.weekday == 6`, Action: Deny},
		{Name: "lunch", When: `time.hour == 12 && time.minute < 30`, Action: Restrict, Restrict: Restriction{NoTools: true}},
	}})
	tests := []struct {
		name    string
		now     time.Time
		outcome string
	}{
		// 17:30 UTC is 18:30 in Berlin in winter (CET) but 19:30 in summer (CEST).
		{"winter evening", time.Date(2026, 1, 14, 17, 30, 0, 0, time.UTC), Allow},
		{"summer evening", time.Date(2026, 7, 15, 17, 30, 0, 0, time.UTC), RequireMFA},
		// 05:30 UTC Wednesday is 06:30 in Berlin (winter).
		{"early", time.Date(2026, 1, 14, 5, 30, 0, 0, time.UTC), RequireMFA},
		// 23:30 UTC Friday is 00:30 Saturday in Berlin.
		{"saturday in berlin", time.Date(2026, 1, 16, 23, 30, 0, 0, time.UTC), Deny},
		{"lunch", time.Date(2026, 1, 14, 11, 15, 0, 0, time.UTC), Restrict},
		{"after lunch", time.Date(2026, 1, 14, 11, 45, 0, 0, time.UTC), Allow},
		{"given in another zone", time.Date(2026, 1, 14, 6, 15, 0, 0, time.FixedZone("EST", -5*3600)), Restrict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Evaluate(Input{Now: tt.now})
			if d.Outcome != tt.outcome {
				t.Errorf("outcome %s at %s, want %s", d.Outcome, d.Signals.Time, tt.outcome)
			}
			if d.Signals.Time.Location() != berlin {
				t.Errorf("signal time in %s, want Europe/Berlin", d.Signals.Time.Location())
			}
		})
	}
	// Now defaults to the current time, in UTC without a time zone.
	u := mustNew(t, Options{})
	if d := u.Evaluate(Input{}); d.Signals.Time.IsZero() || d.Signals.Time.Location() != time.UTC {
		t.Errorf("default time %v", d.Signals.Time)
	}
}

func TestAuthAge(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	e := mustNew(t, Options{Policies: []Policy{{Name: "stale", When: `auth_age_seconds > 3600`, Action: RequireMFA}}})
	tests := []struct {
		name     string
		authTime time.Time
		outcome  string
	}{
		{"fresh", now.Add(-time.Minute), Allow},
		{"stale", now.Add(-2 * time.Hour), RequireMFA},
		{"unknown counts as stale", time.Time{}, RequireMFA},
	}
	for _, tt := range tests {
		if d := e.Evaluate(Input{AuthTime: tt.authTime, Now: now}); d.Outcome != tt.outcome {
			t.Errorf("%s: %s, want %s", tt.name, d.Outcome, tt.outcome)
		}
	}
}

// Variables reach expressions with the values of the Input.
func TestVariables(t *testing.T) {
	now := time.Date(2026, 3, 4, 9, 41, 0, 0, time.UTC) // a Wednesday
	in := Input{
		User: "alice", Issuer: "https://idp", Groups: []string{"hr", "staff"}, Roles: []string{"reader"},
		App: "hr-web", Agent: "helpdesk", IP: addr("10.20.1.1"), DeviceCompliant: true, MFA: true, ACR: "phr",
		AuthTime: now.Add(-90 * time.Second), KnownCountries: []string{"DE"}, Now: now,
	}
	e := mustNew(t, Options{Locations: testLocations, GeoIP: mapGeo{m: map[netip.Addr]string{addr("10.20.1.1"): "DE"}}})
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		`user == "alice"`, `issuer == "https://idp"`, `groups == ["hr", "staff"]`, `roles == ["reader"]`,
		`app == "hr-web"`, `agent == "helpdesk"`, `ip == "10.20.1.1"`, `locations == ["corp", "lab"]`,
		`country == "DE"`, `device.compliant`, `risk == "low"`, `mfa`, `acr == "phr"`, `auth_age_seconds == 90`,
		`time.hour == 9`, `time.minute == 41`, `time.weekday == 3`,
	} {
		prg, err := compile(env, expr, map[string]bool{"corp": true, "lab": true}, DefaultCostLimit)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if prg.fast == nil {
			t.Errorf("%s: no fast program", expr)
		}
		for _, fast := range []bool{true, false} {
			sig := e.Signals(in)
			act := newActivation(&in, &sig)
			out, err := prg.eval(act, fast)
			act.release()
			if err != nil || out.Value() != true {
				t.Errorf("%s (fast %t) = %v, %v; want true", expr, fast, out, err)
			}
		}
	}
}

// A policy that fails at run time applies as a deny.
func TestEvaluationErrorDenies(t *testing.T) {
	tests := []struct {
		name string
		when string
		in   Input
	}{
		{"index out of range", `groups[5] == "admins"`, Input{Groups: []string{"staff"}}},
		{"overflow", `auth_age_seconds + 1 > 0`, Input{}}, // unknown auth time is MaxInt64
		{"bad range at run time", `ip_in(ip, app)`, Input{App: "not-a-range", IP: addr("10.0.0.1")}},
		{"division by zero", `100 / size(groups) > 1`, Input{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, Options{Policies: []Policy{
				{Name: "allow-first", When: `true`, Action: Allow},
				{Name: "broken", When: tt.when, Action: Allow},
			}})
			d := e.Evaluate(tt.in)
			if d.Outcome != Deny {
				t.Fatalf("outcome %s, want deny", d.Outcome)
			}
			if want := `conditional access policy "broken" could not be evaluated`; !strings.Contains(d.Reason, want) {
				t.Errorf("reason %q, want it to contain %q", d.Reason, want)
			}
			if len(d.Errors) != 1 || !strings.Contains(d.Errors[0].Error(), `policy "broken"`) {
				t.Errorf("errors %v, want one naming the policy", d.Errors)
			}
			if diff := cmp.Diff([]string{"allow-first", "broken"}, d.Policies); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCostLimit(t *testing.T) {
	list := "[" + strings.TrimSuffix(strings.Repeat("1,", 20), ",") + "]"
	// 20^4 = 160,000 iterations: far beyond the default limit.
	heavy := fmt.Sprintf(`%[1]s.all(a, %[1]s.all(b, %[1]s.all(c, %[1]s.all(d, a + b + c + d > 0))))`, list)
	e := mustNew(t, Options{Policies: []Policy{{Name: "heavy", When: heavy, Action: Allow}}})
	start := time.Now()
	d := e.Evaluate(Input{})
	if d.Outcome != Deny || len(d.Errors) != 1 || !strings.Contains(d.Errors[0].Error(), "cost limit exceeded") {
		t.Errorf("heavy: %s %v, want deny for exceeding the cost limit", d.Outcome, d.Errors)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("heavy evaluation took %s", el)
	}

	// A configured limit applies too: user-sized input can push a policy over.
	small := mustNew(t, Options{CostLimit: 50, Policies: []Policy{{Name: "groups", When: `groups.exists(g, g.startsWith("adm"))`, Action: Deny}}})
	if d := small.Evaluate(Input{Groups: []string{"a", "b"}}); len(d.Errors) != 0 || d.Outcome != Allow {
		t.Errorf("few groups: %s %v, want allow", d.Outcome, d.Errors)
	}
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprint("g", i)
	}
	if d := small.Evaluate(Input{Groups: many}); len(d.Errors) != 1 || d.Outcome != Deny {
		t.Errorf("many groups: %s %v, want deny for exceeding the cost limit", d.Outcome, d.Errors)
	}
}

func TestRestrictionUnion(t *testing.T) {
	a := Restriction{NoTools: true, DenyLabels: []string{"x"}}
	b := Restriction{NoKnowledge: true, DenyLabels: []string{"y", "x"}, DenyTools: []string{"t"}}
	got := a.Union(b)
	want := Restriction{NoTools: true, NoKnowledge: true, DenyLabels: []string{"x", "y"}, DenyTools: []string{"t"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Union (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x"}, a.DenyLabels); diff != "" {
		t.Errorf("Union changed its receiver (-want +got):\n%s", diff)
	}
	if !(Restriction{}).IsZero() || got.IsZero() {
		t.Error("IsZero wrong")
	}
}

// Policies' restrictions and acr values in the engine do not change when
// decisions are changed or the options reused.
func TestDecisionsDoNotAlias(t *testing.T) {
	opts := Options{Policies: []Policy{
		{Name: "r", When: `true`, Action: Restrict, Restrict: Restriction{DenyLabels: []string{"a"}}},
		{Name: "r2", When: `true`, Action: Restrict, Restrict: Restriction{DenyLabels: []string{"b"}}},
		{Name: "m", When: `true`, Action: RequireMFA, ACRValues: []string{"x", "y"}},
	}}
	e := mustNew(t, opts)
	d := e.Evaluate(Input{})
	d.Restrict.DenyLabels[0] = "changed"
	d.ACRValues[0] = "changed"
	opts.Policies[0].Restrict.DenyLabels[0] = "changed"
	d = e.Evaluate(Input{})
	if diff := cmp.Diff([]string{"a", "b"}, d.Restrict.DenyLabels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x", "y"}, d.ACRValues); diff != "" {
		t.Errorf("acr (-want +got):\n%s", diff)
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	e := benchEngine(t)
	inputs := benchInputs()
	want := make([]Decision, len(inputs))
	for i, in := range inputs {
		want[i] = e.Evaluate(in)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g + n) % len(inputs)
				got := e.Evaluate(inputs[i])
				if got.Outcome != want[i].Outcome || got.Reason != want[i].Reason {
					t.Errorf("input %d: %s %q, want %s %q", i, got.Outcome, got.Reason, want[i].Outcome, want[i].Reason)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Policies whose worst case on input within the size bounds fits the cost
// limit run without cost tracking; the tracked programs, used for larger
// input, decide the same.
func TestFastAndGuardedAgree(t *testing.T) {
	e := benchEngine(t)
	for _, p := range e.policies {
		if p.prg.fast == nil {
			t.Errorf("policy %q has no fast program", p.Name)
		}
	}
	guarded := *e
	guarded.noFast = true
	inputs := benchInputs()
	big := inputs[2]
	big.Groups = make([]string, maxFastList+1)
	for i := range big.Groups {
		big.Groups[i] = fmt.Sprint("group-", i)
	}
	big.Groups[maxFastList] = "hr-admins"
	long := inputs[0]
	long.User = strings.Repeat("u", maxFastString+1)
	inputs = append(inputs, big, long)
	for i, in := range inputs {
		want, got := e.Evaluate(in), guarded.Evaluate(in)
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Decision{}, "Signals")); diff != "" {
			t.Errorf("input %d: fast and guarded differ (-fast +guarded):\n%s", i, diff)
		}
	}
	if small(&big, &Signals{}) || small(&long, &Signals{}) {
		t.Error("oversized input counted as small")
	}
}

// Expressions whose estimated cost exceeds the limit always track cost.
func TestCostEstimate(t *testing.T) {
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	for expr, fast := range map[string]bool{
		`"admins" in groups`:                                 true,
		`groups.exists(g, g.startsWith("finance-"))`:         true,
		`user.matches("^[a-z]+@example\\.com$")`:             true,
		`groups.exists(a, roles.exists(b, a == b))`:          false,
		`groups.map(g, groups.filter(h, h != g)).size() > 1`: false,
	} {
		prg, err := compile(env, expr, nil, DefaultCostLimit)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := prg.fast != nil; got != fast {
			t.Errorf("%s: fast program %t, want %t", expr, got, fast)
		}
	}
}
