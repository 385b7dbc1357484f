package pii

import (
	"slices"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Finding types this package emits. They are part of the audit schema and
// of policy configuration, so they never change once released.
const (
	// TypeEmail is an e-mail address.
	TypeEmail = "email"
	// TypePhone is a telephone number, international or national.
	TypePhone = "phone"
	// TypeCreditCard is a payment card number (Luhn and issuer range).
	TypeCreditCard = "credit_card"
	// TypeIBAN is an International Bank Account Number (mod-97).
	TypeIBAN = "iban"
	// TypeUSSSN is a US Social Security number.
	TypeUSSSN = "us_ssn"
	// TypeUKNINO is a UK National Insurance number.
	TypeUKNINO = "uk_nino"
	// TypeNLBSN is a Dutch citizen service number (eleven test).
	TypeNLBSN = "nl_bsn"
	// TypeESDNI is a Spanish DNI or NIE (check letter).
	TypeESDNI = "es_dni"
	// TypeSEPersonnummer is a Swedish personal identity number (Luhn).
	TypeSEPersonnummer = "se_personnummer"
	// TypeCASIN is a Canadian Social Insurance Number (Luhn).
	TypeCASIN = "ca_sin"
	// TypeINAadhaar is an Indian Aadhaar number (Verhoeff).
	TypeINAadhaar = "in_aadhaar"
	// TypePassportMRZ is the machine-readable zone of a passport or
	// identity card (ICAO 9303 check digits).
	TypePassportMRZ = "passport_mrz"
	// TypeIPAddress is an IPv4 or IPv6 address.
	TypeIPAddress = "ip_address"
	// TypeDateOfBirth is a date the text calls a date of birth.
	TypeDateOfBirth = "date_of_birth"
	// TypeAddress is a street address.
	TypeAddress = "address"
	// TypePerson is a person's name where the text introduces one.
	TypePerson = "person"
	// TypeHealth is a diagnosis, condition, medication or procedure
	// (category PHI).
	TypeHealth = "health"
)

// kind is the internal index of a finding type.
type kind uint8

const (
	kEmail kind = iota
	kPhone
	kCard
	kIBAN
	kSSN
	kNINO
	kBSN
	kDNI
	kPersonnummer
	kSIN
	kAadhaar
	kMRZ
	kIP
	kDOB
	kAddress
	kPerson
	kHealth
	numKinds
)

var kindNames = [numKinds]string{
	kEmail: TypeEmail, kPhone: TypePhone, kCard: TypeCreditCard, kIBAN: TypeIBAN,
	kSSN: TypeUSSSN, kNINO: TypeUKNINO, kBSN: TypeNLBSN, kDNI: TypeESDNI,
	kPersonnummer: TypeSEPersonnummer, kSIN: TypeCASIN, kAadhaar: TypeINAadhaar,
	kMRZ: TypePassportMRZ, kIP: TypeIPAddress, kDOB: TypeDateOfBirth,
	kAddress: TypeAddress, kPerson: TypePerson, kHealth: TypeHealth,
}

// Types returns every finding type the detector can emit, in a stable
// order, so configuration can be validated against it.
func Types() []string {
	return slices.Clone(kindNames[:])
}

const allKinds = 1<<numKinds - 1

// minEmit is the floor below which a candidate is never reported: a bare
// digit run with nothing to say it is personal data stays silent.
const minEmit = 0.3

// Options configures a Detector.
type Options struct {
	// Types lists the finding types to report (see Types). Nil or empty
	// reports all of them. Unknown names are ignored.
	Types []string
	// MinConfidence drops findings below it. Zero reports everything the
	// detector considers plausible (confidence 0.3 and up), which includes
	// low-confidence findings such as a health term with no person attached.
	MinConfidence float64
}

// Detector finds personal data in text. It is safe for concurrent use.
type Detector struct {
	enabled uint32 // bit per kind
	minConf float64
	// noPlainRun turns the assembly plain-word loop off (run.go): the
	// reference the tests compare it with.
	noPlainRun bool
}

// New returns a personal-data detector configured by opts.
func New(opts Options) *Detector {
	d := &Detector{minConf: opts.MinConfidence}
	if len(opts.Types) == 0 {
		d.enabled = allKinds
	}
	for _, t := range opts.Types {
		for k, name := range kindNames {
			if name == t {
				d.enabled |= 1 << k
			}
		}
	}
	return d
}

// Name returns the detector's configuration name.
func (d *Detector) Name() string { return "pii" }

func (d *Detector) on(k kind) bool { return d.enabled&(1<<k) != 0 }

// Detect appends the personal data found in text to dst, sorted by Start,
// with overlaps between types resolved in favour of the stronger finding
// (a card number is never also reported as a phone number).
func (d *Detector) Detect(dst []detect.Finding, text string) []detect.Finding {
	base := len(dst)
	s := scanner{d: d, text: text, out: dst}
	s.run()
	return resolve(s.out, base, d)
}

// add records a candidate finding.
func (s *scanner) add(k kind, start, end int, conf float64) {
	if conf < minEmit || start >= end {
		return
	}
	if conf > 1 {
		conf = 1
	}
	cat := detect.PII
	if k == kHealth {
		cat = detect.PHI
	}
	s.out = append(s.out, detect.Finding{Type: kindNames[k], Category: cat, Start: start, End: end, Confidence: conf})
}

// resolve sorts the findings appended after base, keeps the stronger of any
// two that overlap, and drops disabled types and those under the minimum.
func resolve(fs []detect.Finding, base int, d *Detector) []detect.Finding {
	mine := fs[base:]
	if len(mine) == 0 {
		return fs
	}
	byStart := func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	}
	// Usually sorted already; the loop is slices.IsSortedFunc(mine,
	// byStart) without a call per pair.
	for i := 1; i < len(mine); i++ {
		if a, b := mine[i-1], mine[i]; a.Start > b.Start || a.Start == b.Start && a.End < b.End {
			slices.SortFunc(mine, byStart)
			break
		}
	}
	out := mine[:0]
	for _, f := range mine {
		if n := len(out); n > 0 && f.Start < out[n-1].End {
			if stronger(f, out[n-1]) {
				out[n-1] = f
			}
			continue
		}
		out = append(out, f)
	}
	if d.enabled == allKinds && d.minConf <= minEmit {
		return fs[:base+len(out)]
	}
	keep := out[:0]
	for _, f := range out {
		if f.Confidence < d.minConf || !d.on(kindOf(f.Type)) {
			continue
		}
		keep = append(keep, f)
	}
	return fs[:base+len(keep)]
}

// stronger reports whether a should replace b when they overlap: higher
// confidence wins, then the longer span.
func stronger(a, b detect.Finding) bool {
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	return a.End-a.Start > b.End-b.Start
}

func kindOf(t string) kind {
	switch t {
	case TypeEmail:
		return kEmail
	case TypePhone:
		return kPhone
	case TypeCreditCard:
		return kCard
	case TypeIBAN:
		return kIBAN
	case TypeUSSSN:
		return kSSN
	case TypeUKNINO:
		return kNINO
	case TypeNLBSN:
		return kBSN
	case TypeESDNI:
		return kDNI
	case TypeSEPersonnummer:
		return kPersonnummer
	case TypeCASIN:
		return kSIN
	case TypeINAadhaar:
		return kAadhaar
	case TypePassportMRZ:
		return kMRZ
	case TypeIPAddress:
		return kIP
	case TypeDateOfBirth:
		return kDOB
	case TypeAddress:
		return kAddress
	case TypePerson:
		return kPerson
	case TypeHealth:
		return kHealth
	}
	return numKinds
}
