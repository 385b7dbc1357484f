package pii

// Validators for the checksummed identifiers. They are exported so that
// detectors defined in configuration (an RE2 pattern plus a named check) can
// apply the same checks as the built-in ones. Every validator accepts any
// string and returns false for anything it does not recognise.

// Luhn reports whether digits passes the Luhn (mod 10) check used by card
// numbers, Canadian SINs and Swedish personal numbers. Spaces and dashes are
// ignored so a number can be passed as written; any other non-digit, or
// fewer than two digits, fails.
func Luhn(digits string) bool {
	sum, n := 0, 0
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c == ' ' || c == '-' {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if n&1 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 2 && sum%10 == 0
}

// CardValid reports whether s is a payment card number: 12 to 19 digits
// (spaces and dashes ignored) that pass Luhn, in the range of a known
// issuer (Visa, Mastercard, American Express, Discover, JCB, Diners Club,
// UnionPay, Maestro, Mir) and of a length that issuer uses.
func CardValid(s string) bool {
	var buf [19]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
		case isDigit(c) && n < len(buf):
			buf[n] = c
			n++
		default:
			return false
		}
	}
	return n >= 12 && luhnDigits(buf[:n]) && cardIssuer(buf[:n])
}

// luhnDigits is Luhn over a string known to hold only digits.
func luhnDigits(b []byte) bool {
	sum := 0
	for i, k := len(b)-1, 0; i >= 0; i, k = i-1, k+1 {
		d := int(b[i] - '0')
		if k&1 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return len(b) >= 2 && sum%10 == 0
}

// Verhoeff tables (dihedral group D5).
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
		{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
		{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
		{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
		{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// Verhoeff reports whether digits passes the Verhoeff check used by Indian
// Aadhaar numbers. Unlike Luhn it catches every single-digit error and every
// adjacent transposition. Spaces and dashes are ignored; any other
// non-digit, or fewer than two digits, fails.
func Verhoeff(digits string) bool {
	c, n := byte(0), 0
	for i := len(digits) - 1; i >= 0; i-- {
		ch := digits[i]
		if ch == ' ' || ch == '-' {
			continue
		}
		if ch < '0' || ch > '9' {
			return false
		}
		c = verhoeffD[c][verhoeffP[n%8][ch-'0']]
		n++
	}
	return n >= 2 && c == 0
}

// ibanLengths is the IBAN length of each country in the SWIFT IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
	"BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
	"CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
	"EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
	"GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
	"HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
	"KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
	"UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// ibanLen returns the registered IBAN length for the two-letter country
// code cc (either case), or 0.
func ibanLen(a, b byte) int {
	a, b = upper(a), upper(b)
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0
	}
	var k [2]byte
	k[0], k[1] = a, b
	return ibanLengths[string(k[:])]
}

// IBANValid reports whether s is an International Bank Account Number: a
// registered country code, the length that country uses, only letters and
// digits after it, and the ISO 7064 mod-97 check. Spaces (as in the printed
// groups of four) are ignored and letters may be in either case.
func IBANValid(s string) bool {
	var buf [34]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	return ibanCompact(buf[:n])
}

// ibanCompact validates an IBAN without spaces.
func ibanCompact(b []byte) bool {
	if len(b) < 15 || ibanLen(b[0], b[1]) != len(b) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	// The remainder of the number the characters spell, the first four
	// moved to the end, reduced only when it grows large: the same as
	// reducing it at every character.
	var r uint64
	for _, part := range [2][]byte{b[4:], b[:4]} {
		for _, c := range part {
			switch {
			case isDigit(c):
				r = r*10 + uint64(c-'0')
			case isAlpha(c):
				r = r*100 + uint64(upper(c)-'A') + 10
			default:
				return false
			}
			if r >= 1<<56 {
				r %= 97
			}
		}
	}
	return r%97 == 1
}

// SSNValid reports whether s is a possible US Social Security number:
// AAA-GG-SSSS with dashes, spaces or no separators, area not 000, 666 or
// 900-999, group not 00, serial not 0000, not one digit repeated, and not
// one of the numbers known to be invalid because they were published
// (078-05-1120, 123-45-6789, 219-09-9999, 457-55-5462).
func SSNValid(s string) bool {
	var d [9]byte
	switch len(s) {
	case 9:
		copy(d[:], s)
	case 11:
		if s[3] != s[6] || (s[3] != '-' && s[3] != ' ') {
			return false
		}
		copy(d[:3], s[:3])
		copy(d[3:5], s[4:6])
		copy(d[5:], s[7:])
	default:
		return false
	}
	for _, c := range d {
		if !isDigit(c) {
			return false
		}
	}
	return ssnDigits(d[:])
}

// ssnDigits applies the SSN rules to nine digits.
func ssnDigits(d []byte) bool {
	area := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	if area == 0 || area == 666 || area >= 900 {
		return false
	}
	if d[3] == '0' && d[4] == '0' {
		return false
	}
	if d[5] == '0' && d[6] == '0' && d[7] == '0' && d[8] == '0' {
		return false
	}
	same := true
	for _, c := range d[1:] {
		if c != d[0] {
			same = false
			break
		}
	}
	if same {
		return false
	}
	switch string(d) {
	case "078051120", "123456789", "219099999", "457555462":
		return false
	}
	return true
}

// elevenTest is the Dutch BSN check: the digits weighted 9..2 and the last
// digit weighted -1 sum to a multiple of 11.
func elevenTest(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	sum, zero := 0, true
	for i := 0; i < 8; i++ {
		sum += int(d[i]-'0') * (9 - i)
		if d[i] != '0' {
			zero = false
		}
	}
	sum -= int(d[8] - '0')
	return !zero && sum%11 == 0
}

// dniLetters maps a Spanish DNI number mod 23 to its check letter.
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// dniValid checks eight digits and a check letter (upper case).
func dniValid(num string, letter byte) bool {
	n := 0
	for i := 0; i < len(num); i++ {
		n = n*10 + int(num[i]-'0')
	}
	return dniLetters[n%23] == letter
}

// ninoValid applies the UK National Insurance number prefix rules: first
// letter not D, F, I, Q, U or V; second not D, F, I, O, Q, U or V; and not
// one of the prefixes never allocated (BG, GB, KN, NK, NT, TN, ZZ). Letters
// must be upper case.
func ninoValid(a, b byte) bool {
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return false
	}
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// mrzValue is the ICAO 9303 value of one MRZ character, or -1.
func mrzValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 0
	}
	return -1
}

// mrzCheck reports whether check is the ICAO 9303 check digit (weights 7, 3,
// 1) of field. A '<' check character stands for 0.
func mrzCheck(field string, check byte) bool {
	sum := 0
	for i := 0; i < len(field); i++ {
		v := mrzValue(field[i])
		if v < 0 {
			return false
		}
		sum += v * [3]int{7, 3, 1}[i%3]
	}
	want := mrzValue(check)
	return want >= 0 && want < 10 && sum%10 == want
}
