package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const policyConfig = `environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: kb}]}
apps:
  - {name: portal, client_ids: [portal-spa], agents: [hr]}
identity:
  issuers:
    - {name: corp, issuer: "https://idp.example", jwks_url: "https://idp.example/keys", audiences: [palisade]}
roles:
  - {name: employee, members: {all_users: true}, permissions: {agents: [hr]}}
  - {name: hr-staff, members: {groups: ["corp:hr"]}, permissions: {knowledge: [hr-confidential]}}
access:
  time_zone: Europe/London
  locations:
    - {name: office, cidrs: [10.0.0.0/8]}
  policies:
    - name: hr-needs-mfa
      when: '"corp:hr" in groups'
      action: require_mfa
      max_auth_age: 12h
    - name: night
      when: 'time.hour < 6'
      action: deny
      message: The helpdesk is closed at night.
    - name: off-network
      when: '!("office" in locations)'
      action: restrict
      restrict: {deny_labels: [hr-confidential]}
`

func writePolicyConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "kb"), 0o700)
	_ = os.WriteFile(filepath.Join(dir, "kb", "a.md"), []byte("# A\n\ntext\n"), 0o600)
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Ensure `policy test` answers each outcome with its reason, the roles
// held and the policies that applied, and exits 3 for a refusal.
func TestPolicyTest(t *testing.T) {
	path := writePolicyConfig(t, policyConfig)
	base := []string{"policy", "test", "-c", path, "--app", "portal", "--agent", "hr", "--time", "2026-12-01T10:00:00Z"}
	tests := []struct {
		name     string
		args     []string
		code     int
		outcome  string
		policies []string
	}{
		{"an employee in the office", []string{"--user", "corp:eve", "--ip", "10.2.3.4"}, 0, "allow", nil},
		{"hr without MFA", []string{"--user", "corp:hana", "--groups", "corp:hr", "--ip", "10.2.3.4"}, 3, "require_mfa", []string{"hr-needs-mfa"}},
		{"hr with MFA at home", []string{"--user", "corp:hana", "--groups", "corp:hr", "--mfa", "--auth-age", "1h", "--ip", "203.0.113.9"}, 0, "restrict", []string{"hr-needs-mfa", "off-network"}},
		{"at night", []string{"--user", "corp:eve", "--ip", "10.2.3.4", "--time", "2026-12-01T03:00:00Z"}, 3, "deny", []string{"night"}},
		{"the app's own credential holds no role", nil, 3, "deny", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(append(append([]string{}, base...), tt.args...), "-o", "json")...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tt.code, out, errOut)
			}
			var w whatIfResult
			if err := json.Unmarshal([]byte(out), &w); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if w.Outcome != tt.outcome || strings.Join(w.Policies, ",") != strings.Join(tt.policies, ",") {
				t.Errorf("outcome %s policies %v, want %s %v (%+v)", w.Outcome, w.Policies, tt.outcome, tt.policies, w)
			}
		})
	}
	code, out, _ := runCLI(t, append(base, "--user", "corp:hana", "--groups", "corp:hr", "--ip", "10.2.3.4")...)
	for _, want := range []string{"REQUIRE_MFA", "employee, hr-staff", "hr-needs-mfa", "step-up max_age", "12h0m0s", "office"} {
		if code != 3 || !strings.Contains(out, want) {
			t.Errorf("table output lacks %q (exit %d):\n%s", want, code, out)
		}
	}
}

// Ensure a policy that does not compile is reported by `config validate`
// at its line, as every other problem.
func TestConfigValidateReportsPolicyLine(t *testing.T) {
	bad := strings.Replace(policyConfig, `when: 'time.hour < 6'`, `when: 'time.hour < "six"'`, 1)
	path := writePolicyConfig(t, bad)
	code, _, errOut := runCLI(t, "config", "validate", path)
	if code != 1 || !strings.Contains(errOut, path+":22: access.policies[1].when:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	typo := strings.Replace(policyConfig, `'!("office" in locations)'`, `'!("ofice" in locations)'`, 1)
	code, _, errOut = runCLI(t, "config", "validate", writePolicyConfig(t, typo))
	if code != 1 || !strings.Contains(errOut, "ofice") {
		t.Fatalf("a misspelt location was not reported: exit %d: %s", code, errOut)
	}
}
