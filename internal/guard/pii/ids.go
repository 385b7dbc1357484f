package pii

// Judges for the numeric identifiers: card numbers, national ids and IPv4
// addresses. Each returns the confidence of its type for a cluster, or 0.

var cardCues = newCues(map[string]int8{
	"card": cueStrong, "credit": cueStrong, "debit": cueStrong, "cc": cueStrong,
	"visa": cueStrong, "mastercard": cueStrong, "amex": cueStrong, "american express": cueStrong,
	"discover": cueStrong, "jcb": cueStrong, "maestro": cueStrong, "diners": cueStrong,
	"unionpay": cueStrong, "pan": cueStrong, "cvv": cueStrong, "expiry": cueStrong,
	"payment": cueWeak, "charge": cueWeak, "billed": cueWeak,
	"order": cueNeg, "invoice": cueNeg, "tracking": cueNeg, "ticket": cueNeg, "ref": cueNeg,
	"reference": cueNeg, "isbn": cueNeg, "serial": cueNeg, "sku": cueNeg, "version": cueNeg,
	"confirmation": cueNeg, "#": cueNeg,
})

// card judges a card number: Luhn, a known issuer range and a length that
// issuer uses. A Luhn-valid number outside the known ranges is reported
// only when the text calls it a card, with lower confidence (private-label
// and newly assigned ranges exist).
func (s *scanner) card(c *cluster, dg []byte) float64 {
	if c.ng > 1 {
		// Printed groups: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4.
		if c.ge[0]-c.gs[0] != 4 {
			return 0
		}
		for k := 1; k < c.ng; k++ {
			if l := c.ge[k] - c.gs[k]; l < 3 || l > 6 {
				return 0
			}
		}
	}
	if !luhnDigits(dg) {
		return 0
	}
	pos, neg := s.before(cardCues, c.start, 2)
	if cardIssuer(dg) {
		switch {
		case neg:
			return 0.55
		case pos == cueStrong:
			return 0.97
		}
		return 0.9
	}
	if pos == cueStrong && !neg {
		return 0.6
	}
	return 0
}

// cardIssuer reports whether d (digits only) lies in a card issuer's range
// with a length that issuer uses.
func cardIssuer(d []byte) bool {
	n := len(d)
	if n < 12 {
		return false
	}
	v := func(k int) int {
		x := 0
		for _, c := range d[:k] {
			x = x*10 + int(c-'0')
		}
		return x
	}
	p2, p3, p4, p6 := v(2), v(3), v(4), v(6)
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925): // Discover
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p4 == 2131 || p4 == 1800: // JCB, former 15-digit ranges
		return n == 15
	case (p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39: // Diners Club
		return n >= 14 && n <= 19
	case p2 == 62 || p2 == 81: // UnionPay
		return n >= 16 && n <= 19
	case p4 >= 2200 && p4 <= 2204: // Mir
		return n >= 16 && n <= 19
	case p2 == 50 || (p2 >= 56 && p2 <= 69): // Maestro
		return n >= 12 && n <= 19
	}
	return false
}

var ssnCues = newCues(map[string]int8{
	"ssn": cueStrong, "ssns": cueStrong, "social security": cueStrong, "security number": cueStrong,
	"ss": cueStrong, "taxpayer": cueWeak, "tin": cueWeak,
	"order": cueNeg, "invoice": cueNeg, "tracking": cueNeg, "ticket": cueNeg, "ref": cueNeg,
	"phone": cueNeg, "tel": cueNeg, "fax": cueNeg, "isbn": cueNeg, "#": cueNeg,
})

// ssnFarWindow is how far before a separated SSN a strong cue ("social
// security number") still counts, at a lower confidence than next to it.
const ssnFarWindow = 160

// ssn judges a US Social Security number. Without a separator it needs
// context; with one, context raises it to near certainty.
func (s *scanner) ssn(c *cluster, dg []byte, sep byte) float64 {
	if !ssnDigits(dg) {
		return 0
	}
	pos, neg := s.before(ssnCues, c.start, 2)
	if neg {
		return 0
	}
	far := false
	if pos < cueStrong && sep != 0 {
		// "My social security number was entered wrong on my W-2. It
		// should be 491 13 9217": the cue a sentence earlier.
		p2, _ := ssnCues.beforeWithin(s.text, c.start, 0, ssnFarWindow)
		far = p2 == cueStrong
	}
	switch {
	case pos == cueStrong && sep == 0:
		return 0.85
	case pos == cueStrong:
		return 0.95
	case far:
		return 0.85
	case sep == '-':
		return 0.6 + boost(pos)/2
	case sep == ' ':
		return 0.45 + boost(pos)/2
	}
	return 0
}

var sinCues = newCues(map[string]int8{
	"sin": cueStrong, "social insurance": cueStrong, "insurance number": cueStrong,
	"nas": cueStrong, "assurance sociale": cueStrong,
})

// sin judges a Canadian Social Insurance Number (Luhn; never starts with 0
// or 8). Nine Luhn-valid digits are common, so it needs context.
func (s *scanner) sin(c *cluster, dg []byte) float64 {
	if dg[0] == '0' || dg[0] == '8' || !luhnDigits(dg) {
		return 0
	}
	if pos, _ := s.before(sinCues, c.start, 0); pos == cueStrong {
		return 0.9
	}
	return 0
}

var bsnCues = newCues(map[string]int8{
	"bsn": cueStrong, "burgerservicenummer": cueStrong, "sofinummer": cueStrong,
	"sofi": cueStrong, "citizen service": cueStrong, "service number": cueWeak,
})

// bsn judges a Dutch citizen service number (eleven test). One in eleven
// nine-digit numbers passes, so it needs context.
func (s *scanner) bsn(c *cluster, dg []byte) float64 {
	if !elevenTest(dg) {
		return 0
	}
	if pos, _ := s.before(bsnCues, c.start, 0); pos == cueStrong {
		return 0.9
	}
	return 0
}

var aadhaarCues = newCues(map[string]int8{
	"aadhaar": cueStrong, "aadhar": cueStrong, "uidai": cueStrong, "uid": cueStrong,
	"adhaar": cueStrong,
})

// aadhaar judges an Indian Aadhaar number (12 digits, first 2-9, Verhoeff).
// Twelve-digit numbers are also card and account numbers, so it needs
// context.
func (s *scanner) aadhaar(c *cluster, dg []byte) float64 {
	if dg[0] < '2' || !Verhoeff(string(dg)) {
		return 0
	}
	if pos, _ := s.before(aadhaarCues, c.start, 0); pos == cueStrong {
		return 0.95
	}
	return 0
}

var pnrCues = newCues(map[string]int8{
	"personnummer": cueStrong, "personnumret": cueStrong, "samordningsnummer": cueStrong,
	"personal identity": cueStrong, "identity number": cueStrong, "pnr": cueStrong,
})

// personnummer judges a Swedish personal identity number: YYMMDD-NNNC or
// YYYYMMDD-NNNC with a valid date (day+60 for coordination numbers) and
// Luhn over the last ten digits. Without the dash it needs context.
func (s *scanner) personnummer(c *cluster, dg []byte) float64 {
	d := dg
	if len(d) == 12 {
		if cy := int(d[0]-'0')*10 + int(d[1]-'0'); cy < 18 || cy > 20 {
			return 0
		}
		d = d[2:]
	}
	mm := int(d[2]-'0')*10 + int(d[3]-'0')
	dd := int(d[4]-'0')*10 + int(d[5]-'0')
	if dd > 60 {
		dd -= 60
	}
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 || !luhnDigits(d) {
		return 0
	}
	pos, _ := s.before(pnrCues, c.start, 0)
	switch {
	case pos == cueStrong:
		return 0.95
	case c.ng == 2:
		return 0.85
	}
	return 0
}

var ipCues = newCues(map[string]int8{
	"ip": cueStrong, "ipv4": cueStrong, "address": cueStrong, "host": cueStrong, "server": cueStrong,
	"client": cueStrong, "addr": cueStrong, "gateway": cueStrong, "dns": cueStrong,
	"subnet": cueStrong, "ping": cueStrong, "proxy": cueStrong, "from": cueWeak, "connect": cueWeak,
	"version": cueNeg, "ver": cueNeg, "v": cueNeg, "release": cueNeg, "build": cueNeg,
	"section": cueNeg, "chapter": cueNeg, "step": cueNeg, "rule": cueNeg, "article": cueNeg,
	"firmware": cueNeg, "update": cueNeg, "upgrade": cueNeg, "sdk": cueNeg, "api": cueNeg,
})

// ipv4 judges a dotted quad: four groups of 1-3 digits, each at most 255
// and without leading zeros. A version number written the same way is told
// apart by what precedes it: "v1.2.3.4" is no address (it is one token),
// "version 10.2.0.1" is not reported, and a bare quad of single digits
// ("1.2.3.4") stays below the usual threshold.
func (s *scanner) ipv4(c *cluster) float64 {
	small := true
	for k := 0; k < 4; k++ {
		g := s.text[c.gs[k]:c.ge[k]]
		if len(g) > 3 || (len(g) > 1 && g[0] == '0') {
			return 0
		}
		v := 0
		for i := 0; i < len(g); i++ {
			v = v*10 + int(g[i]-'0')
		}
		if v > 255 {
			return 0
		}
		if len(g) > 1 {
			small = false
		}
	}
	pos, neg := s.before(ipCues, c.start, 2)
	if neg {
		return 0
	}
	conf := 0.6
	if small {
		conf = 0.4
	}
	if pos == cueStrong {
		conf += 0.3
	} else if pos == cueWeak {
		conf += 0.1
	}
	return conf
}

var dniCues = newCues(map[string]int8{
	"dni": cueStrong, "nie": cueStrong, "nif": cueStrong, "documento": cueStrong,
	"identidad": cueStrong, "extranjero": cueStrong,
	"order": cueNeg, "invoice": cueNeg, "ref": cueNeg, "ticket": cueNeg, "#": cueNeg,
})

// dni reports a Spanish DNI: eight digits and the check letter, optionally
// after a dash.
func (s *scanner) dni(c *cluster) {
	num := s.text[c.gs[0]:c.ge[0]]
	letter := s.text[c.dni-1]
	if !dniValid(num, letter) {
		return
	}
	s.dniFound(c.start, c.dni)
}

func (s *scanner) dniFound(start, end int) {
	pos, neg := s.before(dniCues, start, 2)
	switch {
	case neg:
		s.add(kDNI, start, end, 0.4)
	case pos == cueStrong:
		s.add(kDNI, start, end, 0.95)
	default:
		s.add(kDNI, start, end, 0.85)
	}
}
