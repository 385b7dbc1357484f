package pii

// A cluster is a run of digit groups joined by single separators: the shape
// shared by phone numbers, card numbers, SSNs, IP addresses and national
// identifiers. It is parsed once and each numeric type judges it.

const (
	maxGroups = 8
	maxDigits = 24 // longer digit runs are not identifiers we know
)

type cluster struct {
	start, end int // span, including a leading '+' or '(' and an extension
	ng, nd     int // groups, digits
	gs, ge     [maxGroups]int
	sep        [maxGroups]byte // byte before group k (0 for the first)
	paren      [maxGroups]bool // group k is in parentheses
	plus       bool
	bad        bool // attached to something that makes it no identifier
	hash       bool // preceded by '#'
	dni        int  // end of an attached DNI check letter, or 0
}

// parse reads the cluster whose first digit is at i.
func (c *cluster) parse(text string, i int) {
	n := len(text)
	c.start = i
	if i > 0 {
		switch p := text[i-1]; p {
		case '+':
			if i < 2 || !isAlnum(text[i-2]) {
				c.plus = true
				c.start = i - 1
			}
		case '(':
			c.paren[0] = true
			c.start = i - 1
		case '$', '#', '.', '-', '/', ':', ',', '_', '\\', '=':
			if p == '#' {
				c.hash = true
			}
			if p == '$' || (i >= 2 && isAlnum(text[i-2])) {
				c.bad = true
			}
		}
	}
	p := i
	for {
		q := p
		for q < n && isDigit(text[q]) {
			q++
		}
		if q-p > maxDigits || c.nd+q-p > maxDigits {
			c.bad = true
			for q < n && isDigit(text[q]) {
				q++
			}
			c.end = q
			return
		}
		k := c.ng
		c.gs[k], c.ge[k] = p, q
		c.nd += q - p
		c.ng++
		c.end = q
		if c.paren[k] {
			if q >= n || text[q] != ')' {
				c.paren[k] = false
				if k > 0 {
					// "extension 4357 (0117 496 0357)": the parenthesis
					// opens another number; this one ends before it.
					c.ng--
					c.nd -= q - p
					c.end = c.ge[k-1]
					c.sep[k] = 0
					break
				}
				// "(4111 1111 1111 1111)", "(10.1.2.3)": a parenthesis
				// around the whole number, not an area code.
				c.start = i
			} else {
				q++
				c.end = q
			}
		}
		if c.ng == maxGroups || q >= n {
			break
		}
		// What joins the next group?
		sep := text[q]
		next := q + 1
		if c.paren[k] {
			// "(202) 555", "(202)555", "(0)8"
			switch {
			case isDigit(sep):
				sep, next = ')', q
			case (sep == ' ' || sep == '-') && next < n && isDigit(text[next]):
			default:
				sep = 0
			}
		} else if sep == ' ' && next+1 < n && text[next] == '(' && isDigit(text[next+1]) {
			// "+46 (0)8": a parenthesised group after a space
			c.paren[k+1] = true
			next++
		} else if !((sep == ' ' || sep == '-' || sep == '.') && next < n && isDigit(text[next])) {
			sep = 0
		}
		if sep == 0 {
			break
		}
		c.sep[k+1] = sep
		p = next
	}
	if c.ng == 1 && c.paren[0] {
		// "(6207830252449911)": one number in parentheses.
		c.paren[0] = false
		c.start, c.end = i, c.ge[0]
		return
	}
	c.tail(text)
}

// tail looks at what follows the last group.
func (c *cluster) tail(text string) {
	q := c.end
	if q >= len(text) {
		return
	}
	switch b := text[q]; {
	case b == 'x' && q+1 < len(text) && isDigit(text[q+1]):
		// extension: "555-0143x204"
		e := q + 1
		for e < len(text) && isDigit(text[e]) && e-q <= 6 {
			e++
		}
		if e < len(text) && isAlnum(text[e]) {
			c.bad = true
			return
		}
		c.end = e
	case isAlnum(b):
		if c.ng == 1 && c.nd == 8 && isUpper(b) && (q+1 >= len(text) || !isAlnum(text[q+1])) {
			c.dni = q + 1
		}
		c.bad = true
	case b == '-' && c.ng == 1 && c.nd == 8 && q+1 < len(text) && isUpper(text[q+1]) && (q+2 >= len(text) || !isAlnum(text[q+2])):
		c.dni = q + 2
		c.bad = true
	case b == '@' || b == '%' || b == '_':
		c.bad = true
	case (b == '/' || b == ':') && c.ng == 4 && c.uniformSep() == '.':
		// "10.0.0.5:3306", "10.20.0.0/16": an IPv4 address with a port or
		// a prefix length.
	case (b == ',' || b == '/' || b == ':') && q+1 < len(text) && isDigit(text[q+1]):
		c.bad = true
	case b == '.' && q+1 < len(text) && isAlnum(text[q+1]), b == '-' && q+1 < len(text) && isDigit(text[q+1]):
		c.bad = true
	}
}

// groupLens reports whether the cluster's groups have exactly these lengths.
func (c *cluster) groupLens(l ...int) bool {
	if c.ng != len(l) {
		return false
	}
	for k, want := range l {
		if c.ge[k]-c.gs[k] != want {
			return false
		}
	}
	return true
}

// uniformSep returns the separator used between all groups, or 0 when they
// differ (or there is only one group).
func (c *cluster) uniformSep() byte {
	if c.ng < 2 {
		return 0
	}
	s := c.sep[1]
	for k := 2; k < c.ng; k++ {
		if c.sep[k] != s {
			return 0
		}
	}
	return s
}

// digits copies the cluster's digits into buf, skipping a "(0)" trunk
// prefix when skipTrunk is set.
func (c *cluster) digits(text string, buf *[maxDigits]byte, skipTrunk bool) []byte {
	n := 0
	for k := 0; k < c.ng; k++ {
		if skipTrunk && c.paren[k] && k > 0 && c.ge[k]-c.gs[k] == 1 && text[c.gs[k]] == '0' {
			continue
		}
		n += copy(buf[n:], text[c.gs[k]:c.ge[k]])
	}
	return buf[:n]
}

// number handles the cluster starting at the digit at i and returns where
// the scan resumes.
func (s *scanner) number(i int) int {
	text := s.text
	e := i + 1
	for e < len(text) && isDigit(text[e]) {
		e++
	}
	if e < len(text) && (text[e] == ':' || isHex(text[e])) && hexColon(text, i) {
		if r := s.ipv6(i); r > 0 {
			return r
		}
	}
	// Fast exits for the numbers of ordinary text: times, dates, amounts,
	// decimals ("21:37", "02/22", "1,234", "$45").
	if e+1 < len(text) && isDigit(text[e+1]) {
		switch text[e] {
		case ':', '/', ',':
			return e + 1
		}
	}
	if i > 0 && text[i-1] == '$' {
		return e
	}
	// A short number standing alone can only be a house number.
	if e-i <= 6 && (i == 0 || text[i-1] == ' ' || text[i-1] == '\n' || text[i-1] == '\t') && !extends(text, e) {
		if e < len(text) && (isAlnum(text[e]) || text[e] == '@') {
			return e
		}
		if e-i <= 5 && s.d.on(kAddress) {
			c := cluster{start: i, end: e, ng: 1, nd: e - i}
			c.gs[0], c.ge[0] = i, e
			if a := s.address(&c); a > e {
				return a
			}
		}
		return e
	}
	// Most other digit runs of ordinary text are glued to something that
	// makes them no identifier ("$100.00", "03:33:27", "PRIME-2"): find
	// where such a cluster ends without parsing it.
	if end := badEnd(text, i, e); end > 0 {
		return end
	}
	var c cluster
	c.parse(text, i)
	if c.bad {
		if c.dni > 0 {
			s.dni(&c)
			return c.dni
		}
		return c.end
	}
	var buf [maxDigits]byte
	dg := c.digits(s.text, &buf, false)
	k, start, end, conf := s.numeric(&c, dg)
	if conf >= minEmit {
		s.add(k, start, end, conf)
	}
	// A house number, or two ("17031 2202 Rissik St"), may start an
	// address; a phone number without a checksum may be one misread.
	if (conf < minEmit || (k == kPhone && conf < 0.85)) && c.ng <= 2 && c.ge[0]-c.gs[0] <= 5 &&
		c.sep[1] != '.' && c.sep[1] != '-' && !c.plus && !c.paren[0] && s.d.on(kAddress) {
		if e := s.address(&c); e > c.end {
			return e
		}
	}
	if conf >= minEmit {
		return end
	}
	if c.ng >= 3 && c.ge[0]-c.gs[0] <= 2 && c.sep[1] == ' ' && !c.paren[1] {
		return c.gs[1] // retry without a short first group ("Apt 5 202 555 0143")
	}
	return c.end
}

// badEnd returns where the cluster whose first digit is at i, and whose
// first digit run ends at e, ends when parse would find it bad and attach
// no DNI check letter to it: number then resumes there. It returns 0 for
// any other cluster, and for those whose end depends on the finer rules of
// parse and tail (parentheses, extensions, the DNI and IPv4 shapes), which
// number parses in full. It follows parse and tail step by step.
func badEnd(text string, i, e int) int {
	n := len(text)
	bad := false
	if i > 0 {
		switch p := text[i-1]; p {
		case '+', '(':
			return 0
		case '$', '#', '.', '-', '/', ':', ',', '_', '\\', '=':
			bad = p == '$' || (i >= 2 && isAlnum(text[i-2]))
		}
	}
	ng, nd, q := 1, e-i, e
	for {
		if nd > maxDigits {
			return q // parse stops here, bad
		}
		if ng == maxGroups || q+1 >= n {
			break
		}
		sep, p := text[q], q+1
		if !isDigit(text[p]) {
			if sep == ' ' && text[p] == '(' && p+1 < n && isDigit(text[p+1]) {
				return 0 // a group in parentheses
			}
			break
		}
		if sep != ' ' && sep != '-' && sep != '.' {
			break
		}
		q = p + 1
		for q < n && isDigit(text[q]) {
			q++
		}
		ng++
		nd += q - p
	}
	// What tail finds after the last group.
	if q >= n {
		return end(bad, q)
	}
	b := text[q]
	next := byte(0)
	if q+1 < n {
		next = text[q+1]
	}
	switch {
	case b == 'x' && isDigit(next):
		return 0 // an extension
	case isAlnum(b):
		if ng == 1 && nd == 8 && isUpper(b) {
			return 0 // a DNI check letter, maybe
		}
		return q
	case b == '-' && ng == 1 && nd == 8:
		return 0 // a DNI check letter, maybe
	case b == '@' || b == '%' || b == '_':
		return q
	case (b == '/' || b == ':') && ng == 4:
		return 0 // an IPv4 address with a port or prefix length, maybe
	case (b == ',' || b == '/' || b == ':') && isDigit(next):
		return q
	case b == '.' && isAlnum(next), b == '-' && isDigit(next):
		return q
	}
	return end(bad, q)
}

// end returns q when bad is set, else 0.
func end(bad bool, q int) int {
	if bad {
		return q
	}
	return 0
}

// extends reports whether the digit run ending at e may continue into a
// longer cluster: a separator and another digit group, a parenthesis, or an
// extension.
func extends(text string, e int) bool {
	if e+1 >= len(text) {
		return e < len(text) && text[e] == ')'
	}
	switch x, y := text[e], text[e+1]; x {
	case ' ':
		return isDigit(y) || y == '('
	case '-', '.', 'x':
		return isDigit(y)
	case ')':
		return true
	}
	return false
}

// numeric judges a clean cluster against every numeric type and returns the
// best candidate.
func (s *scanner) numeric(c *cluster, dg []byte) (k kind, start, end int, conf float64) {
	start, end = c.start, c.end
	nd := len(dg)
	sep := c.uniformSep()
	noParen := !c.plus && !c.paren[0] && !c.paren[1]
	best := func(kk kind, v float64) {
		if v > conf {
			k, conf = kk, v
		}
	}
	if noParen && nd >= 12 && nd <= 19 && (c.ng == 1 || sep == ' ' || sep == '-') {
		best(kCard, s.card(c, dg))
	}
	if noParen && nd == 9 {
		switch {
		case c.groupLens(3, 2, 4) && (sep == '-' || sep == ' '), c.ng == 1:
			best(kSSN, s.ssn(c, dg, sep))
		}
		if c.ng == 1 || (c.groupLens(3, 3, 3) && (sep == '-' || sep == ' ')) {
			best(kSIN, s.sin(c, dg))
		}
		if c.ng == 1 || (c.groupLens(4, 2, 3) && (sep == '.' || sep == ' ')) {
			best(kBSN, s.bsn(c, dg))
		}
	}
	if noParen && nd == 12 && (c.ng == 1 || (c.groupLens(4, 4, 4) && (sep == ' ' || sep == '-'))) {
		best(kAadhaar, s.aadhaar(c, dg))
	}
	if noParen && (nd == 10 || nd == 12) && (c.ng == 1 || (c.ng == 2 && sep == '-' && c.ge[1]-c.gs[1] == 4)) {
		best(kPersonnummer, s.personnummer(c, dg))
	}
	if noParen && c.ng == 4 && sep == '.' {
		best(kIP, s.ipv4(c))
	}
	if conf < 0.85 && nd >= 7 {
		best(kPhone, s.phone(c))
	}
	if k != kPhone {
		end = c.ge[c.ng-1]
		if c.paren[c.ng-1] {
			end++
		}
	}
	return k, start, end, conf
}

// hexColon reports whether a hex group of at most four digits at i is
// followed by ':' and another hex digit or ':' (an IPv6 address may start
// here).
func hexColon(text string, i int) bool {
	e := i
	for e < len(text) && e-i < 5 && isHex(text[e]) {
		e++
	}
	return e > i && e-i <= 4 && e+1 < len(text) && text[e] == ':' && (text[e+1] == ':' || isHex(text[e+1]))
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
