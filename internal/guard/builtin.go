package guard

import (
	"slices"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
	"github.com/palisade-gw/palisade/internal/guard/inject"
	"github.com/palisade-gw/palisade/internal/guard/output"
	"github.com/palisade-gw/palisade/internal/guard/pii"
	"github.com/palisade-gw/palisade/internal/guard/secrets"
)

// Builtin returns the built-in detectors (personal and health data,
// secrets, direct and indirect injection, links, system-prompt leaks)
// with the given custom detectors and classifier (nil for none).
func Builtin(custom []detect.Detector, classifier Classifier) Parts {
	sensitive := []detect.Detector{pii.New(pii.Options{}), secrets.New(secrets.Options{})}
	sensitive = append(sensitive, custom...)
	return Parts{
		Sensitive:  sensitive,
		Prompt:     inject.New(inject.Options{Mode: inject.Prompt}),
		Content:    inject.New(inject.Options{Mode: inject.Content}),
		Classifier: classifier,
		Links:      func(hosts []string) LinkFilter { return output.NewLinkFilter(hosts) },
		Leak: func(instructions string) detect.Detector {
			return output.NewLeakGuard(instructions, output.LeakOptions{})
		},
		Sanitize: inject.Sanitize,
	}
}

// BuiltinValidators are the checks custom detectors may name.
func BuiltinValidators() Validators {
	digits := func(f func(string) bool) func(string) bool {
		return func(s string) bool {
			return f(strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s))
		}
	}
	return Validators{
		"luhn":     digits(pii.Luhn),
		"verhoeff": digits(pii.Verhoeff),
		"iban":     pii.IBANValid,
		"us_ssn":   pii.SSNValid,
	}
}

// BuiltinTypes lists every finding type the built-in detectors report,
// sorted.
func BuiltinTypes() []string {
	var out []string
	out = append(out, pii.Types()...)
	out = append(out, secrets.Rules()...)
	out = append(out, inject.Types()...)
	out = append(out, "exfiltration_link", "exfiltration_image", "system_prompt_leak", "classifier_attack")
	slices.Sort(out)
	return slices.Compact(out)
}
