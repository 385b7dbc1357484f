package conditional

import "strings"

// Risk levels, from least to most risky. They are the values of the CEL
// variable risk.
const (
	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
)

// Thresholds on recent failed sign-ins for a user.
const (
	// MediumRiskFailedSignIns failed sign-ins or more make the risk medium.
	MediumRiskFailedSignIns = 3
	// HighRiskFailedSignIns failed sign-ins or more make the risk high.
	HighRiskFailedSignIns = 10
)

// Risk reasons name what raised a risk level, for the audit log and the
// what-if explanation.
const (
	RiskReasonFailedSignIns    = "failed-sign-ins"
	RiskReasonNewCountry       = "new-country"
	RiskReasonAnonymousNetwork = "anonymous-network"
)

// RiskInput holds the signals the risk level is computed from.
type RiskInput struct {
	// FailedSignIns is the number of recent failed sign-ins for the user.
	FailedSignIns int
	// Country is the ISO code the request comes from, "" if unknown.
	Country string
	// KnownCountries are the ISO codes the user signed in from before.
	KnownCountries []string
	// AnonymousNetwork is true when the address belongs to an anonymising
	// network (a Tor exit, a public VPN).
	AnonymousNetwork bool
}

// ComputeRisk returns the risk level of a sign-in, the highest of:
//
//   - high when the address is on an anonymising network;
//   - high with HighRiskFailedSignIns or more recent failed sign-ins,
//     medium with MediumRiskFailedSignIns or more;
//   - medium when the country is not one the user signed in from before.
//     This counts only when both are known: Country is not "" and
//     KnownCountries is not empty (a new user has no history to differ from).
//     Countries are compared without regard to case.
//
// Otherwise the risk is low. reasons lists what raised the level (the
// RiskReason constants), in the order above; it is nil for low risk.
func ComputeRisk(in RiskInput) (level string, reasons []string) {
	rank := 0
	raise := func(r int, reason string) {
		rank = max(rank, r)
		reasons = append(reasons, reason)
	}
	if in.AnonymousNetwork {
		raise(2, RiskReasonAnonymousNetwork)
	}
	switch {
	case in.FailedSignIns >= HighRiskFailedSignIns:
		raise(2, RiskReasonFailedSignIns)
	case in.FailedSignIns >= MediumRiskFailedSignIns:
		raise(1, RiskReasonFailedSignIns)
	}
	if in.Country != "" && len(in.KnownCountries) > 0 && !containsFold(in.KnownCountries, in.Country) {
		raise(1, RiskReasonNewCountry)
	}
	return [...]string{RiskLow, RiskMedium, RiskHigh}[rank], reasons
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
