package pii

import "net/netip"

// Identifiers that mix letters and digits: IBAN, UK National Insurance
// number, Spanish NIE, IPv6 addresses; and e-mail addresses.

var ibanCues = newCues(map[string]int8{
	"iban": cueStrong, "account": cueStrong, "bank": cueStrong, "transfer": cueStrong,
	"wire": cueStrong, "konto": cueStrong, "rekening": cueStrong, "compte": cueStrong,
	"cuenta": cueStrong, "sepa": cueStrong, "payee": cueStrong, "beneficiary": cueStrong,
})

var ninoCues = newCues(map[string]int8{
	"nino": cueStrong, "national insurance": cueStrong, "ni number": cueStrong,
	"ni no": cueStrong, "insurance number": cueStrong,
})

// alnum handles a token text[i:j] that starts with a letter and holds
// digits, and returns where the scan resumes.
func (s *scanner) alnum(i, j int) int {
	text := s.text
	if j < len(text) && text[j] == ':' {
		if e := s.ipv6(i); e > 0 {
			return e
		}
	}
	t := text[i:j]
	if len(t) >= 4 && isAlpha(t[0]) && isAlpha(t[1]) && isDigit(t[2]) && isDigit(t[3]) &&
		isUpper(t[0]) == isUpper(t[1]) {
		if e := s.iban(i, j); e > 0 {
			return e
		}
	}
	if len(t) == 9 && isDigit(t[2]) && isDigit(t[7]) && t[8] >= 'A' && t[8] <= 'D' && ninoValid(t[0], t[1]) &&
		allDigits(t[2:8]) {
		s.nino(i, j)
		return j
	}
	if len(t) == 9 && (t[0] == 'X' || t[0] == 'Y' || t[0] == 'Z') && allDigits(t[1:8]) && isUpper(t[8]) {
		var num [8]byte
		num[0] = '0' + t[0] - 'X'
		copy(num[1:], t[1:8])
		if dniValid(string(num[:]), t[8]) {
			s.dniFound(i, j)
		}
	}
	return j
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// iban reports an IBAN starting at i whose first token ends at j, written
// compact or in groups of four separated by single spaces. It returns the
// end of the IBAN, or 0.
func (s *scanner) iban(i, j int) int {
	text := s.text
	want := ibanLen(text[i], text[i+1])
	if want == 0 {
		return 0
	}
	var buf [34]byte
	n, end := 0, 0
	switch {
	case j-i == want:
		n, end = copy(buf[:], text[i:j]), j
	case j-i == 4:
		n, end = copy(buf[:], text[i:j]), j
		for n < want && end+1 < len(text) && text[end] == ' ' {
			g := end + 1
			for g < len(text) && isAlnum(text[g]) {
				if g++; g-end-1 > 4 {
					return 0
				}
			}
			l := g - end - 1
			if l == 0 || n+l > want || (l < 4 && n+l != want) {
				return 0
			}
			n += copy(buf[n:], text[end+1:g])
			end = g
		}
	default:
		return 0
	}
	if n != want || !ibanCompact(buf[:n]) {
		return 0
	}
	conf := 0.9
	if !isUpper(text[i]) {
		conf = 0.85
	}
	if pos, _ := s.before(ibanCues, i, 0); pos == cueStrong {
		conf += 0.07
	}
	s.add(kIBAN, i, end, conf)
	return end
}

// nino reports a compact UK National Insurance number (prefix rules already
// checked).
func (s *scanner) nino(i, j int) {
	conf := 0.85
	if pos, _ := s.before(ninoCues, i, 0); pos == cueStrong {
		conf = 0.95
	}
	s.add(kNINO, i, j, conf)
}

// ninoSpaced reports "AB 12 34 56 C" starting at i, where text[i:i+2] is
// the prefix, and returns its end or 0.
func (s *scanner) ninoSpaced(i int) int {
	text := s.text
	const shape = "AA 00 00 00 A"
	if len(text)-i < len(shape) || !ninoValid(text[i], text[i+1]) {
		return 0
	}
	for k := 2; k < len(shape)-1; k++ {
		c := text[i+k]
		if shape[k] == ' ' && c != ' ' || shape[k] == '0' && !isDigit(c) {
			return 0
		}
	}
	e := i + len(shape)
	if c := text[e-1]; c < 'A' || c > 'D' || (e < len(text) && isAlnum(text[e])) {
		return 0
	}
	s.nino(i, e)
	return e
}

// ipv6 reports an IPv6 address starting at i (a token followed by ':') and
// returns its end, or 0.
func (s *scanner) ipv6(i int) int {
	text := s.text
	if i > 0 && (isAlnum(text[i-1]) || text[i-1] == ':') {
		return 0
	}
	e, colons, hex, double := i, 0, 0, false
scan:
	for e < len(text) && e-i < 46 {
		switch c := text[e]; {
		case c == ':':
			colons++
			if e > i && text[e-1] == ':' {
				double = true
			}
		case isHex(c):
			hex++
		case c == '.':
		default:
			break scan
		}
		e++
	}
	if e < len(text) && isAlnum(text[e]) {
		return 0
	}
	for e > i && text[e-1] == '.' {
		e--
	}
	if hex < 4 || colons < 2 || (!double && colons != 7) {
		return 0
	}
	a, err := netip.ParseAddr(text[i:e])
	if err != nil || !a.Is6() {
		return 0
	}
	conf := 0.7
	if pos, neg := s.before(ipCues, i, 2); neg {
		return 0
	} else if pos == cueStrong {
		conf = 0.9
	}
	s.add(kIP, i, e, conf)
	return e
}

// email reports the address around the '@' at at, and returns where the
// scan resumes.
func (s *scanner) email(at int) int {
	text := s.text
	lo := at
	for lo > 0 && at-lo < 64 && isLocal(text[lo-1]) {
		lo--
	}
	if lo > 0 && isLocal(text[lo-1]) {
		return at + 1 // a local part longer than 64 bytes is no address
	}
	for lo < at && text[lo] == '.' {
		lo++
	}
	if lo == at || text[at-1] == '.' {
		return at + 1
	}
	// Domain: labels of letters, digits, '-' (and non-ASCII), dot-separated.
	p, labels, lastStart, end := at+1, 0, 0, 0
	for p < len(text) && p-at < 254 {
		q := p
		for q < len(text) && (isAlnum(text[q]) || text[q] == '-') && q-p < 64 {
			q++
		}
		if q == p || text[p] == '-' || text[q-1] == '-' {
			break
		}
		labels++
		lastStart, end = p, q
		if q+1 < len(text) && text[q] == '.' && isAlnum(text[q+1]) {
			p = q + 1
			continue
		}
		break
	}
	// Text run together after the address ("ganesh@moonchaser.ioHi"): the
	// top-level domain ends where lower case turns to upper case.
	for k := lastStart + 2; k < end; k++ {
		if isUpper(text[k]) && !isUpper(text[k-1]) {
			end = k
			break
		}
	}
	if labels < 2 || end-lastStart < 2 {
		return at + 1
	}
	for k := lastStart; k < end; k++ {
		if !isAlpha(text[k]) && class[text[k]] != cHigh {
			return at + 1
		}
	}
	if end < len(text) && ((isAlnum(text[end]) && !isUpper(text[end])) || text[end] == '@') {
		return at + 1
	}
	if urlUserInfo(text, lo) {
		return end
	}
	s.add(kEmail, lo, end, 0.9)
	return end
}

// urlUserInfo reports whether the local part starting at lo is the user
// information of a URL ("https://token@host", "postgres://user:pw@host"):
// "://" comes before it in the same token, with no '/' between them. What
// looks like an address there is a user name or password and a host.
func urlUserInfo(text string, lo int) bool {
	for k := lo - 1; k >= 2 && lo-k < 256; k-- {
		switch c := text[k]; {
		case c == '/':
			return text[k-1] == '/' && text[k-2] == ':'
		case c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`':
			return false
		}
	}
	return false
}

// isLocal reports a byte allowed in the local part of an address.
func isLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}
