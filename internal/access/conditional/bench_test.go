package conditional

import (
	"testing"
	"time"
)

// benchPolicies are 20 policies of the shape a real tenant writes.
var benchPolicies = []Policy{
	{Name: "block-sanctioned", When: `country in ["KP", "IR", "SY", "CU"]`, Action: Deny, Message: "Not available in your country."},
	{Name: "eu-only-hr", When: `agent == "hr-helpdesk" && !("corp" in locations) && !(country in ["DE", "FR", "NL", "SE", "GB"])`, Action: Deny},
	{Name: "high-risk", When: `risk == "high"`, Action: Deny},
	{Name: "medium-risk-mfa", When: `risk == "medium"`, Action: RequireMFA},
	{Name: "admins-phr", When: `"hr-admins" in groups || "admin" in roles`, Action: RequireMFA,
		ACRValues: []string{"urn:example:acr:phr"}, MaxAuthAge: 12 * time.Hour},
	{Name: "payroll-fresh", When: `agent == "payroll"`, Action: RequireMFA, MaxAuthAge: time.Hour},
	{Name: "outside-corp-mfa", When: `!("corp" in locations) && !("vpn" in locations)`, Action: RequireMFA},
	{Name: "unmanaged-no-tools", When: `!device.compliant`, Action: Restrict, Restrict: Restriction{NoTools: true, NoFileUpload: true}},
	{Name: "unmanaged-no-confidential", When: `!device.compliant && !("corp" in locations)`, Action: Restrict,
		Restrict: Restriction{DenyLabels: []string{"confidential", "secret"}}},
	{Name: "contractors-no-payroll", When: `"contractors" in groups && agent == "payroll"`, Action: Deny},
	{Name: "after-hours", When: `(time.hour < 7 || time.hour >= 20) && !("oncall" in groups)`, Action: RequireMFA},
	{Name: "weekend-contractors", When: `(time.weekday == 0 || time.weekday == 6) && "contractors" in groups`, Action: Deny},
	{Name: "lab-no-knowledge", When: `"lab" in locations && app != "lab-console"`, Action: Restrict, Restrict: Restriction{NoKnowledge: true}},
	{Name: "guest-issuer", When: `issuer != "https://login.example.com" && agent in ["payroll", "benefits"]`, Action: Deny},
	{Name: "sdk-apps-mfa", When: `app.startsWith("sdk-") && !mfa`, Action: RequireMFA},
	{Name: "stale-sign-in", When: `auth_age_seconds > 86400`, Action: RequireMFA},
	{Name: "finance-groups", When: `groups.exists(g, g.startsWith("finance-")) && !device.compliant`, Action: Deny},
	{Name: "blocked-users", When: `user in ["mallory@example.com", "eve@example.com"]`, Action: Deny},
	{Name: "datacenter-range", When: `ip_in(ip, "203.0.113.0/24") && agent != "batch"`, Action: Deny},
	{Name: "audit-helpdesk", When: `agent == "hr-helpdesk"`, Action: Allow},
}

func benchEngine(t testing.TB) *Engine {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return mustNew(t, Options{
		Policies: benchPolicies,
		Locations: []Location{
			{Name: "corp", CIDRs: prefixes("10.0.0.0/8", "192.168.0.0/16", "2001:db8:c0::/48")},
			{Name: "vpn", CIDRs: prefixes("172.16.0.0/12")},
			{Name: "lab", CIDRs: prefixes("10.20.0.0/16")},
		},
		GeoIP:             openTestMMDB(t),
		AnonymousNetworks: prefixes("185.220.100.0/22", "2a0b:f4c0::/32"),
		TimeZone:          berlin,
	})
}

func benchInputs() []Input {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	base := Input{
		User: "alice@example.com", Issuer: "https://login.example.com",
		Groups: []string{"staff", "hr", "hr-readers", "all-employees", "berlin-office"}, Roles: []string{"reader"},
		App: "hr-web", Agent: "hr-helpdesk", IP: addr("81.2.69.142"), MFA: true, ACR: "urn:example:acr:mfa",
		AuthTime: now.Add(-2 * time.Hour), KnownCountries: []string{"GB", "DE"}, Now: now,
	}
	office := base
	office.IP, office.DeviceCompliant = addr("::ffff:10.1.2.3"), true
	admin := base
	admin.Groups = append([]string{"hr-admins"}, base.Groups...)
	admin.IP = addr("2.125.160.216")
	contractor := base
	contractor.Groups, contractor.Agent, contractor.MFA = []string{"contractors"}, "payroll", false
	return []Input{base, office, admin, contractor}
}

// BenchmarkEvaluate runs 20 compiled policies per Evaluate, including a
// GeoIP lookup in a generated MaxMind database.
func BenchmarkEvaluate(b *testing.B) {
	e := benchEngine(b)
	inputs := benchInputs()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Evaluate(inputs[i%len(inputs)])
	}
}

// BenchmarkEvaluateParallel is BenchmarkEvaluate from all CPUs at once.
func BenchmarkEvaluateParallel(b *testing.B) {
	e := benchEngine(b)
	inputs := benchInputs()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			e.Evaluate(inputs[i%len(inputs)])
			i++
		}
	})
}
