package conditional

import (
	"net/netip"
	"slices"
	"testing"
)

func TestComputeRisk(t *testing.T) {
	tests := []struct {
		name    string
		in      RiskInput
		want    string
		reasons []string
	}{
		{"nothing", RiskInput{}, RiskLow, nil},
		{"few failures", RiskInput{FailedSignIns: 2}, RiskLow, nil},
		{"medium failures", RiskInput{FailedSignIns: 3}, RiskMedium, []string{RiskReasonFailedSignIns}},
		{"just below high", RiskInput{FailedSignIns: 9}, RiskMedium, []string{RiskReasonFailedSignIns}},
		{"high failures", RiskInput{FailedSignIns: 10}, RiskHigh, []string{RiskReasonFailedSignIns}},
		{"known country", RiskInput{Country: "DE", KnownCountries: []string{"FR", "DE"}}, RiskLow, nil},
		{"known country other case", RiskInput{Country: "DE", KnownCountries: []string{"de"}}, RiskLow, nil},
		{"new country", RiskInput{Country: "BR", KnownCountries: []string{"DE"}}, RiskMedium, []string{RiskReasonNewCountry}},
		{"no history", RiskInput{Country: "BR"}, RiskLow, nil},
		{"unknown country", RiskInput{KnownCountries: []string{"DE"}}, RiskLow, nil},
		{"anonymous", RiskInput{AnonymousNetwork: true}, RiskHigh, []string{RiskReasonAnonymousNetwork}},
		{"max of medium signals", RiskInput{FailedSignIns: 4, Country: "BR", KnownCountries: []string{"DE"}}, RiskMedium,
			[]string{RiskReasonFailedSignIns, RiskReasonNewCountry}},
		{"high wins", RiskInput{FailedSignIns: 3, Country: "BR", KnownCountries: []string{"DE"}, AnonymousNetwork: true}, RiskHigh,
			[]string{RiskReasonAnonymousNetwork, RiskReasonFailedSignIns, RiskReasonNewCountry}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reasons := ComputeRisk(tt.in)
			if got != tt.want || !slices.Equal(reasons, tt.reasons) {
				t.Errorf("ComputeRisk = %s %v, want %s %v", got, reasons, tt.want, tt.reasons)
			}
		})
	}
}

// Risk reaches policies through the risk variable.
func TestRiskInPolicies(t *testing.T) {
	e, err := New(Options{
		AnonymousNetworks: prefixes("185.220.100.0/22", "::ffff:198.51.100.0/120"),
		GeoIP:             mapGeo{m: map[netip.Addr]string{addr("192.0.2.1"): "DE", addr("192.0.2.2"): "BR"}},
		Policies: []Policy{
			{Name: "high-risk", When: `risk == "high"`, Action: Deny, Message: "risky"},
			{Name: "medium-risk", When: `risk == "medium"`, Action: RequireMFA},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	known := []string{"DE"}
	tests := []struct {
		name    string
		in      Input
		risk    string
		outcome string
	}{
		{"clean", Input{IP: addr("192.0.2.1"), KnownCountries: known}, RiskLow, Allow},
		{"tor exit", Input{IP: addr("185.220.101.4"), KnownCountries: known}, RiskHigh, Deny},
		{"mapped anonymous", Input{IP: addr("::ffff:198.51.100.77")}, RiskHigh, Deny},
		{"anonymous from mapped config", Input{IP: addr("198.51.100.77")}, RiskHigh, Deny},
		{"new country", Input{IP: addr("192.0.2.2"), KnownCountries: known}, RiskMedium, RequireMFA},
		{"failed sign-ins", Input{IP: addr("192.0.2.1"), FailedSignIns: 5}, RiskMedium, RequireMFA},
		{"many failed sign-ins", Input{IP: addr("192.0.2.1"), FailedSignIns: 50}, RiskHigh, Deny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Evaluate(tt.in)
			if d.Signals.Risk != tt.risk || d.Outcome != tt.outcome {
				t.Errorf("risk %s outcome %s (reasons %v), want %s %s", d.Signals.Risk, d.Outcome, d.Signals.RiskReasons, tt.risk, tt.outcome)
			}
		})
	}
}
