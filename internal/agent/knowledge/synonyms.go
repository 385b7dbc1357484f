package knowledge

import "strings"

// synonymRings are words that stand for one another in HR questions: each
// word of a ring expands to every other word of it.
var synonymRings = [][]string{
	{"sick", "illness", "ill", "unwell"},
	{"salary", "pay", "payroll", "wage"},
	{"laptop", "equipment", "computer", "hardware"},
	{"remote", "hybrid", "wfh"},
	{"bereavement", "compassionate", "funeral"},
	{"resign", "resignation", "quit"},
	{"pension", "retirement"},
	{"training", "learning", "course"},
	{"monitor", "screen", "display"},
	{"harassment", "bullying"},
	{"gift", "hospitality"},
	{"hotel", "accommodation"},
	{"onboarding", "induction", "starter"},
	{"probation", "probationary"},
	{"whistleblowing", "whistleblower", "speak up"},
	{"privacy", "gdpr", "data protection"},
	{"receipt", "invoice"},
	{"doctor", "gp", "fit note"},
	{"get", "entitled", "entitlement"},
	{"abroad", "overseas", "international"},
}

// synonymLinks are one-way expansions: a question word or phrase to what
// the documents call it.
var synonymLinks = map[string][]string{
	"vacation":      {"annual leave"},
	"pto":           {"annual leave"},
	"allowance":     {"entitlement"},
	"holiday":       {"annual leave"},
	"payday":        {"pay day", "paid", "payroll"},
	"payslip":       {"pay slip", "payroll"},
	"wfh":           {"home", "remote"},
	"reimbursement": {"expense", "claim"},
	"reimburse":     {"expense", "claim"},
	"refund":        {"expense", "claim"},
	"dentist":       {"dental"},
	"boss":          {"manager"},
	"baby":          {"parental", "maternity", "paternity"},
	"pregnant":      {"maternity"},
	"pregnancy":     {"maternity"},
	"toil":          {"time off in lieu"},
	"bank holiday":  {"public holiday"},
	"time off":      {"leave"},
	"day off":       {"leave"},
	"days off":      {"leave"},
	"pay rise":      {"salary review", "increase"},
	"car":           {"mileage"},
	"mileage":       {"car"},
	"conference":    {"learning", "training"},
	"flight":        {"air travel"},
	"fly":           {"flight", "air travel"},
	"died":          {"bereavement"},
	"death":         {"bereavement"},
	"phone":         {"mobile"},
	"401k":          {"pension"},
	"401":           {"pension"},
}

// DefaultSynonyms returns a fresh copy of the HR synonyms an Agent uses
// when Options.Synonyms is nil: vacation, holiday and PTO → annual leave;
// sick ↔ illness; salary ↔ pay ↔ payroll; laptop ↔ equipment; WFH ↔
// remote; and similar.
func DefaultSynonyms() map[string][]string {
	m := make(map[string][]string)
	for _, ring := range synonymRings {
		for _, w := range ring {
			if strings.Contains(w, " ") {
				continue // phrases are only ever expansions
			}
			for _, other := range ring {
				if other != w {
					m[w] = append(m[w], other)
				}
			}
		}
	}
	for w, to := range synonymLinks {
		m[w] = append(m[w], to...)
	}
	return m
}
