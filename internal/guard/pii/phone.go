package pii

var phoneCues = newCues(map[string]int8{
	"phone": cueStrong, "telephone": cueStrong, "tel": cueStrong, "mobile": cueStrong,
	"cell": cueStrong, "cellphone": cueStrong, "fax": cueStrong, "call": cueStrong,
	"calling": cueStrong, "ring": cueStrong, "dial": cueStrong, "contact": cueStrong,
	"whatsapp": cueStrong, "sms": cueStrong, "text me": cueStrong, "landline": cueStrong,
	"hotline": cueStrong, "helpline": cueStrong, "desk": cueStrong, "office": cueStrong,
	"reach me": cueStrong, "reach us": cueStrong, "reached at": cueStrong, "tlf": cueStrong,
	"telefon": cueStrong, "telefono": cueStrong, "téléphone": cueStrong, "handy": cueStrong,
	"mob": cueStrong, "ph": cueStrong, "home": cueWeak, "work": cueWeak,
	"telefonnummer": cueStrong, "handynummer": cueStrong, "mobilnummer": cueStrong,
	"rufnummer": cueStrong, "festnetz": cueStrong, "festnetznummer": cueStrong, "mobil": cueStrong,
	"telefoonnummer": cueStrong, "telefoon": cueStrong, "mobiel": cueStrong, "portable": cueStrong,
	"teléfono": cueStrong, "móvil": cueStrong, "celular": cueStrong, "telefonnumer": cueStrong,
	"numéro": cueWeak, "numero": cueWeak, "número": cueWeak, "nummer": cueWeak,
	"number": cueWeak, "messages": cueWeak, "message": cueWeak, "answering": cueWeak,
	"registered": cueWeak, "extension": cueWeak, "ext": cueWeak, "direct": cueWeak,
	"order": cueNeg, "invoice": cueNeg, "ticket": cueNeg, "tracking": cueNeg, "ref": cueNeg,
	"reference": cueNeg, "version": cueNeg, "isbn": cueNeg, "serial": cueNeg, "sku": cueNeg,
	"po": cueNeg, "case": cueNeg, "id": cueNeg, "transaction": cueNeg, "confirmation": cueNeg,
	"account": cueNeg, "acct": cueNeg, "iban": cueNeg, "routing": cueNeg, "card": cueNeg,
	"total": cueNeg, "amount": cueNeg, "price": cueNeg, "balance": cueNeg, "zip": cueNeg,
	"postcode": cueNeg, "pin": cueNeg, "otp": cueNeg, "code": cueNeg, "box": cueNeg,
	"apt": cueNeg, "suite": cueNeg, "unit": cueNeg, "room": cueNeg, "isin": cueNeg,
	"license": cueNeg, "licence": cueNeg, "passport": cueNeg, "ssn": cueNeg, "sin": cueNeg,
	"bsn": cueNeg, "dni": cueNeg, "nie": cueNeg, "nif": cueNeg, "aadhaar": cueNeg, "nino": cueNeg,
	"personnummer": cueNeg, "insurance": cueNeg,
	"area code": cueStrong,
	"#":         cueNeg,
})

// phone judges a cluster as a telephone number and returns its confidence.
//
// Shapes: E.164 ("+44 20 7946 0958"), North American ("(202) 555-0143",
// "202.555.0143", "1-202-555-0143"), national numbers with a trunk 0
// ("020 7946 0958", "06 12 34 56 78") and other grouped numbers, which need
// a context word. Dates, ISBNs, IP addresses and SSN-shaped numbers are
// never phones; a plain digit run is one only when context says so.
func (s *scanner) phone(c *cluster) float64 {
	text := s.text
	var buf [maxDigits]byte
	dg := c.digits(text, &buf, true)
	nd := len(dg)
	if nd < 7 || nd > 15 || c.hash {
		return 0
	}
	dots, others := 0, 0
	for k := 1; k < c.ng; k++ {
		if c.sep[k] == '.' {
			dots++
		} else {
			others++
		}
		if l := c.ge[k] - c.gs[k]; l == 1 && !c.paren[k] && !c.paren[k-1] {
			return 0 // "1 2 3 4", "10.0.19041.1"
		}
	}
	if dots > 0 && (others > 0 || c.paren[0]) {
		return 0
	}
	if dots > 0 {
		for k := 0; k < c.ng; k++ {
			if c.ge[k]-c.gs[k] < 2 {
				return 0
			}
		}
	}
	if !c.plus && (dateShape(c, text) || isISBN(c, dg) || c.groupLens(3, 2, 4) || (c.ng == 4 && dots == 3)) {
		return 0
	}
	var base float64
	switch {
	case c.plus:
		base = 0.4
		if nd >= 8 && validCallingCode(dg) {
			base = 0.7
		}
	case nanp(c, text):
		base = 0.6
	case c.ng == 1:
		base = 0.1
		if nd == 10 || nd == 11 {
			base = 0.2
		}
	case dg[0] == '0' && dg[1] != '0' && nd >= 9 && nd <= 12:
		base = 0.5
	default:
		base = 0.4
	}
	pos, neg := s.before(phoneCues, c.start, 3)
	if neg {
		return base - 0.35
	}
	if a := phoneCues.after(text, c.end); a > pos {
		pos = a
	}
	return base + boost(pos)
}

// nanp reports the North American shape: 3-3-4 digits (area and exchange
// codes starting 2-9), optionally after a "1" or "001" group.
func nanp(c *cluster, text string) bool {
	k := 0
	switch {
	case c.ng == 3:
	case c.ng == 4 && (text[c.gs[0]:c.ge[0]] == "1" || text[c.gs[0]:c.ge[0]] == "001"):
		k = 1
	default:
		return false
	}
	if c.ge[k]-c.gs[k] != 3 || c.ge[k+1]-c.gs[k+1] != 3 || c.ge[k+2]-c.gs[k+2] != 4 {
		return false
	}
	return text[c.gs[k]] >= '2' && text[c.gs[k+1]] >= '2'
}

// dateShape reports a cluster that reads as a date: Y-M-D or D-M-Y (either
// day/month order) with plausible values.
func dateShape(c *cluster, text string) bool {
	if c.ng != 3 {
		return false
	}
	num := func(k int) int {
		v := 0
		for i := c.gs[k]; i < c.ge[k]; i++ {
			v = v*10 + int(text[i]-'0')
		}
		return v
	}
	l0, l1, l2 := c.ge[0]-c.gs[0], c.ge[1]-c.gs[1], c.ge[2]-c.gs[2]
	a, b, y := num(0), num(1), num(2)
	switch {
	case l0 == 4 && l1 <= 2 && l2 <= 2:
		return a >= 1000 && a < 3000 && b >= 1 && b <= 12 && y >= 1 && y <= 31
	case l0 <= 2 && l1 <= 2 && l2 == 4:
		return y >= 1000 && y < 3000 && a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12)
	}
	return false
}

// isISBN reports an ISBN-13 (978/979 prefix and its check digit) or a
// hyphenated ISBN-10 with a valid check digit.
func isISBN(c *cluster, dg []byte) bool {
	switch len(dg) {
	case 13:
		if dg[0] != '9' || dg[1] != '7' || (dg[2] != '8' && dg[2] != '9') {
			return false
		}
		sum := 0
		for i, ch := range dg {
			w := 1
			if i%2 == 1 {
				w = 3
			}
			sum += int(ch-'0') * w
		}
		return sum%10 == 0
	case 10:
		if c.ng != 4 || c.uniformSep() != '-' {
			return false
		}
		sum := 0
		for i, ch := range dg {
			sum += int(ch-'0') * (10 - i)
		}
		return sum%11 == 0
	}
	return false
}

// validCallingCode reports whether the digits after '+' start with an
// assigned country calling code. Codes are prefix-free; the only unassigned
// leading pairs are 28, 80, 83, 87 and 89, and no code starts with 0.
func validCallingCode(dg []byte) bool {
	if dg[0] == '0' {
		return false
	}
	switch string(dg[:2]) {
	case "28", "80", "83", "87", "89":
		return false
	}
	return true
}
