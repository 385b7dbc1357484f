package output

import (
	"html"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// scanner is one left-to-right pass of LinkFilter over a text. It finds
// candidates with strings.IndexByte on a few trigger bytes ('[', ']', '<',
// ':') and "www.", so text without them costs a handful of vectorised
// searches and no allocation. Every parse it starts ends at a delimiter
// the next parse of the same kind starts at, or is bounded, so a pass is
// linear in the text whatever the input.
type scanner struct {
	f      *LinkFilter
	text   string
	edits  []edit
	finds  []detect.Finding
	defs   []refDef
	labels map[string]bool // normalised label → some definition is allowed
	stack  []opener
}

// opener is an unmatched '[' (or "![").
type opener struct {
	pos      int
	image    bool
	editMark int // len(edits) when pushed: later edits are inside it
	findMark int
}

// refDef is a link reference definition "[label]: destination".
type refDef struct {
	start   int // the '['
	destEnd int // just after the destination
	lineEnd int // end of its line, without the line break
	allowed bool
}

// Trigger streams, in the order of scanner.run's nx array.
const (
	trigOpen = iota
	trigClose
	trigLT
	trigColon
	trigWWW
	numTriggers
)

var triggerBytes = [numTriggers]byte{'[', ']', '<', ':', 'w'}

func (s *scanner) init(f *LinkFilter, text string) {
	s.f = f
	s.text = text
}

// next returns the position of trigger k at or after i, or len(text).
func (s *scanner) next(k, i int) int {
	var j int
	if k == trigWWW {
		j = strings.Index(s.text[i:], "www.")
	} else {
		j = strings.IndexByte(s.text[i:], triggerBytes[k])
	}
	if j < 0 {
		return len(s.text)
	}
	return i + j
}

func (s *scanner) run() {
	text := s.text
	n := len(text)
	s.findDefs()
	var nx [numTriggers]int
	for k := range nx {
		nx[k] = -1
	}
	d := 0 // next definition
	for i := 0; i < n; {
		p := n
		for k := range nx {
			if nx[k] < i {
				nx[k] = s.next(k, i)
			}
			p = min(p, nx[k])
		}
		for d < len(s.defs) && s.defs[d].start < i {
			d++
		}
		if d < len(s.defs) && s.defs[d].start <= p {
			i = s.def(&s.defs[d])
			d++
			continue
		}
		if p >= n {
			break
		}
		switch text[p] {
		case '[':
			i = s.open(p)
		case ']':
			i = s.close(p)
		case '<':
			i = s.lt(p)
		case ':':
			i = s.colon(p, i)
		default:
			i = s.www(p)
		}
	}
}

func (s *scanner) report(typ string, start, end int) {
	s.finds = append(s.finds, detect.Finding{
		Type: typ, Category: detect.Output, Start: start, End: end, Confidence: 1,
	})
}

// open handles '['.
func (s *scanner) open(p int) int {
	if isEscaped(s.text, p) {
		return p + 1
	}
	s.stack = append(s.stack, opener{
		pos:      p,
		image:    p > 0 && s.text[p-1] == '!' && !isEscaped(s.text, p-1),
		editMark: len(s.edits),
		findMark: len(s.finds),
	})
	return p + 1
}

// close handles ']': an inline link, a reference link, or nothing.
func (s *scanner) close(p int) int {
	text := s.text
	if isEscaped(text, p) || len(s.stack) == 0 {
		return p + 1
	}
	o := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	if k := skipLinkSpace(text, p+1); k < len(text) && text[k] == '(' {
		if dest, end, ok := s.parseInline(k); ok {
			if s.checkDest(dest) != urlAllowed {
				s.remove(o, p, end)
			}
			return end
		}
	}
	if s.labels == nil {
		return p + 1
	}
	if p+1 < len(text) && text[p+1] == '[' {
		if end, label, ok := parseLabel(text, p+1); ok {
			if label == "" {
				label = text[o.pos+1 : p]
			}
			if allowed, defined := s.lookup(label); defined {
				if !allowed {
					s.remove(o, p, end)
				}
				return end
			}
		}
	}
	if allowed, defined := s.lookup(text[o.pos+1 : p]); defined && !allowed {
		s.remove(o, p, p+1)
	}
	return p + 1
}

// remove records the removal of a link or image whose text runs from the
// opener o to the ']' at q, and whose destination part ends at end.
func (s *scanner) remove(o opener, q, end int) {
	if o.image {
		// The alt text goes too, with anything found inside it.
		s.edits = s.edits[:o.editMark]
		s.finds = s.finds[:o.findMark]
		s.edits = append(s.edits, edit{start: o.pos - 1, end: end})
		s.report(TypeExfiltrationImage, o.pos-1, end)
		return
	}
	s.edits = append(s.edits, edit{start: o.pos, end: o.pos + 1}, edit{start: q, end: end})
	s.report(TypeExfiltrationLink, o.pos, end)
}

// lt handles '<': an autolink, an HTML tag, or nothing.
func (s *scanner) lt(p int) int {
	if end, uri, ok := parseAutolink(s.text, p); ok {
		if s.f.checkURL(uri) == urlDenied {
			s.edits = append(s.edits, edit{start: p, end: end, repl: LinkRemoved})
			s.report(TypeExfiltrationLink, p, end)
		}
		return end
	}
	if end, typ, denied, ok := s.parseTag(p); ok {
		if denied {
			s.edits = append(s.edits, edit{start: p, end: end})
			s.report(typ, p, end)
		}
		return end
	}
	return p + 1
}

// colon handles ':' that may end the scheme of a bare URL. from is where
// unscanned text starts: scheme letters before it belong to something
// already handled.
func (s *scanner) colon(p, from int) int {
	text := s.text
	j := p
	for j > from && p-j < 6 && isAlpha(text[j-1]) {
		j--
	}
	letters := text[j:p]
	var start int
	switch {
	case hasSuffixFold(letters, "https"):
		start = p - 5
	case hasSuffixFold(letters, "http"):
		start = p - 4
	case hasSuffixFold(letters, "mailto"):
		start = p - 6
	case hasSuffixFold(letters, "ftp"): // linked by GitHub; never allowed
		start = p - 3
	case hasSuffixFold(letters, "xmpp"): // linked by GitHub; never allowed
		start = p - 4
	default:
		return p + 1
	}
	end := s.bareEnd(p + 1)
	if end == p+1 {
		return p + 1
	}
	switch s.f.checkURL(text[start:end]) {
	case urlNone:
		return p + 1
	case urlDenied:
		s.edits = append(s.edits, edit{start: start, end: end, repl: LinkRemoved})
		s.report(TypeExfiltrationLink, start, end)
	}
	return end
}

// www handles "www.", which GitHub-flavoured markdown links without a
// scheme. GitHub requires white space or one of "*_~(" before it; any
// character that cannot be part of a host name is accepted here.
func (s *scanner) www(p int) int {
	text := s.text
	if p > 0 {
		if c := text[p-1]; isAlpha(c) || isDigit(c) || c == '.' || c == '-' {
			return p + 1
		}
	}
	end := s.bareEnd(p)
	if end <= p+4 {
		return p + 1
	}
	if s.f.checkURL("http://"+text[p:end]) == urlDenied {
		s.edits = append(s.edits, edit{start: p, end: end, repl: LinkRemoved})
		s.report(TypeExfiltrationLink, p, end)
	}
	return end
}

// bareEnd returns where a bare URL starting at from ends: at white space
// or '<' as GitHub-flavoured markdown does (and at quotes and backticks,
// and at ']' inside link text), without trailing punctuation or an
// unbalanced ')'.
func (s *scanner) bareEnd(from int) int {
	text := s.text
	inText := len(s.stack) > 0
	e := from
	opens, closes := 0, 0
scan:
	for e < len(text) {
		switch c := text[e]; {
		case c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '`':
			break scan
		case c == ']' && inText:
			break scan
		case c == '(':
			opens++
		case c == ')':
			closes++
		}
		e++
	}
	for e > from {
		c := text[e-1]
		if strings.IndexByte("?!.,:*_~;'", c) >= 0 {
			e--
			continue
		}
		if c == ')' && closes > opens {
			closes--
			e--
			continue
		}
		break
	}
	return e
}

// def handles a link reference definition found by findDefs.
func (s *scanner) def(d *refDef) int {
	if d.allowed {
		return d.destEnd
	}
	s.edits = append(s.edits, edit{start: d.start, end: d.lineEnd})
	s.report(TypeExfiltrationLink, d.start, d.lineEnd)
	return d.lineEnd
}

// findDefs finds every "[label]: destination" in the text. Definitions
// are accepted anywhere, not only at the start of a line: a definition
// the renderer would not see is harmless to check.
func (s *scanner) findDefs() {
	text := s.text
	lineEnd := -1
	for from := 0; ; {
		k := strings.Index(text[from:], "]:")
		if k < 0 {
			return
		}
		q := from + k
		from = q + 2
		// The label runs back to the nearest '['; it holds no brackets, so
		// these backward scans never overlap.
		o := -1
		for j := q - 1; j >= 0 && q-j <= 1000; j-- {
			if c := text[j]; c == '[' {
				o = j
				break
			} else if c == ']' {
				break
			}
		}
		if o < 0 || isEscaped(text, o) || isEscaped(text, q) {
			continue
		}
		label := text[o+1 : q]
		if strings.TrimSpace(label) == "" {
			continue
		}
		j := skipLinkSpace(text, q+2)
		dest, dend, ok := parseDest(text, j)
		if !ok || (dend == j) {
			continue
		}
		if lineEnd < dend {
			lineEnd = strings.IndexByte(text[dend:], '\n')
			if lineEnd < 0 {
				lineEnd = len(text)
			} else {
				lineEnd += dend
			}
		}
		allowed := s.checkDest(dest) == urlAllowed
		s.defs = append(s.defs, refDef{start: o, destEnd: dend, lineEnd: lineEnd, allowed: allowed})
		if s.labels == nil {
			s.labels = make(map[string]bool)
		}
		key := normLabel(label)
		s.labels[key] = s.labels[key] || allowed
	}
}

// lookup reports whether label has a definition, and whether one of its
// definitions is allowed.
func (s *scanner) lookup(label string) (allowed, defined bool) {
	if len(label) > 999 {
		return false, false
	}
	allowed, defined = s.labels[normLabel(label)]
	return allowed, defined
}

// normLabel folds case and collapses white space, as CommonMark matches
// labels.
func normLabel(l string) string {
	return strings.Join(strings.Fields(strings.ToLower(l)), " ")
}

// checkDest checks a markdown link destination as written. CommonMark
// decodes backslash escapes and entity references before the URL reaches
// the browser; the URL is checked as written and decoded both ways, and
// allowed only if every reading is.
func (s *scanner) checkDest(d string) urlClass {
	if s.f.checkURL(d) != urlAllowed {
		return urlDenied
	}
	if strings.ContainsAny(d, `\&`) {
		a := html.UnescapeString(unbackslash(d))
		b := unbackslash(html.UnescapeString(d))
		if s.f.checkURL(a) != urlAllowed || s.f.checkURL(b) != urlAllowed {
			return urlDenied
		}
	}
	return urlAllowed
}

// parseInline parses "(destination "title")" with '(' at k and returns
// the raw destination and the index after ')'.
func (s *scanner) parseInline(k int) (dest string, end int, ok bool) {
	text := s.text
	n := len(text)
	j := skipLinkSpace(text, k+1)
	dest, j, ok = parseDest(text, j)
	if !ok {
		return "", 0, false
	}
	t := skipLinkSpace(text, j)
	if t > j && t < n && (text[t] == '"' || text[t] == '\'' || text[t] == '(') {
		open, closeCh := text[t], text[t]
		if open == '(' {
			closeCh = ')'
		}
		m := t + 1
		for ; m < n; m++ {
			c := text[m]
			if c == '\\' && m+1 < n {
				m++
				continue
			}
			if c == closeCh {
				break
			}
			if open == '(' && c == '(' {
				return "", 0, false
			}
		}
		if m >= n {
			return "", 0, false
		}
		t = skipLinkSpace(text, m+1)
	}
	if t < n && text[t] == ')' {
		return dest, t + 1, true
	}
	return "", 0, false
}

// parseDest parses a link destination at j: "<…>" (no line break, no
// unescaped '<' or '>'), or a run of non-space characters whose
// unescaped parentheses balance (at most 32 deep, as cmark allows).
func parseDest(text string, j int) (dest string, end int, ok bool) {
	n := len(text)
	if j < n && text[j] == '<' {
		for m := j + 1; m < n; m++ {
			switch text[m] {
			case '\\':
				m++
			case '>':
				return text[j+1 : m], m + 1, true
			case '<', '\n', '\r':
				return "", 0, false
			}
		}
		return "", 0, false
	}
	depth := 0
	m := j
loop:
	for m < n {
		c := text[m]
		switch {
		case c == '\\' && m+1 < n && isPunct(text[m+1]):
			m += 2
			continue
		case c <= ' ' || c == 0x7f:
			break loop
		case c == '(':
			depth++
			if depth > 32 {
				return "", 0, false
			}
		case c == ')':
			if depth == 0 {
				break loop
			}
			depth--
		}
		m++
	}
	if depth != 0 {
		return "", 0, false
	}
	return text[j:m], m, true
}

// parseLabel parses "[label]" at j and returns the index after ']'.
func parseLabel(text string, j int) (end int, label string, ok bool) {
	for m := j + 1; m < len(text) && m-j <= 1000; m++ {
		switch text[m] {
		case '\\':
			m++
		case '[':
			return 0, "", false
		case ']':
			return m + 1, text[j+1 : m], true
		}
	}
	return 0, "", false
}

// parseAutolink parses "<scheme:…>" at p (scheme of 2 to 32 characters,
// no white space or angle brackets inside).
func parseAutolink(text string, p int) (end int, uri string, ok bool) {
	n := len(text)
	j := p + 1
	if j >= n || !isAlpha(text[j]) {
		return 0, "", false
	}
	m := j + 1
	for m < n && m-j <= 32 && (isAlpha(text[m]) || isDigit(text[m]) || text[m] == '+' || text[m] == '.' || text[m] == '-') {
		m++
	}
	if m >= n || text[m] != ':' || m-j < 2 || m-j > 32 {
		return 0, "", false
	}
	k := m + 1
	for k < n {
		c := text[k]
		if c <= ' ' || c == '<' || c == '>' || c == 0x7f {
			break
		}
		k++
	}
	if k >= n || text[k] != '>' {
		return 0, "", false
	}
	return k + 1, text[j:k], true
}

// linkTags are the HTML elements that navigate only when clicked; any
// other element with a URL fetches it when rendered.
var linkTags = map[string]bool{"a": true, "area": true, "form": true, "button": true, "base": true}

// parseTag parses an HTML start tag at p, leniently (as a browser does:
// '/' separates attributes too), and reports whether any URL in it points
// outside the allow-list. A tag attempt stops at an unquoted '<', so
// attempts never overlap outside quoted values.
func (s *scanner) parseTag(p int) (end int, typ string, denied bool, ok bool) {
	text := s.text
	n := len(text)
	j := p + 1
	if j >= n || !isAlpha(text[j]) {
		return 0, "", false, false
	}
	for j < n && (isAlpha(text[j]) || isDigit(text[j]) || text[j] == '-' || text[j] == ':') {
		j++
	}
	name := strings.ToLower(text[p+1 : j])
	typ = TypeExfiltrationImage
	if linkTags[name] {
		typ = TypeExfiltrationLink
	}
	for {
		for j < n && (isHTMLSpace(text[j]) || text[j] == '/') {
			j++
		}
		if j >= n {
			return 0, "", false, false
		}
		if text[j] == '>' {
			return j + 1, typ, denied, true
		}
		an := j
		for j < n {
			c := text[j]
			if isHTMLSpace(c) || c == '/' || c == '>' || c == '=' || c == '<' || c == '"' || c == '\'' || c == '`' {
				break
			}
			j++
		}
		if j == an {
			return 0, "", false, false
		}
		attr := text[an:j]
		k := j
		for k < n && isHTMLSpace(text[k]) {
			k++
		}
		if k >= n || text[k] != '=' {
			if s.attrDenied(name, attr, "", false) {
				denied = true
			}
			continue
		}
		k++
		for k < n && isHTMLSpace(text[k]) {
			k++
		}
		if k >= n {
			return 0, "", false, false
		}
		var val string
		if q := text[k]; q == '"' || q == '\'' {
			m := strings.IndexByte(text[k+1:], q)
			if m < 0 {
				return 0, "", false, false
			}
			val = text[k+1 : k+1+m]
			j = k + 2 + m
		} else {
			m := k
			for m < n && !isHTMLSpace(text[m]) && strings.IndexByte("\"'=<>`", text[m]) < 0 {
				m++
			}
			if m == k {
				return 0, "", false, false
			}
			val = text[k:m]
			j = m
		}
		if s.attrDenied(name, attr, val, true) {
			denied = true
		}
	}
}

// attrDenied reports whether an attribute makes its tag unsafe: a URL
// outside the allow-list, an event handler, or inline frame content.
func (s *scanner) attrDenied(tag, attr, val string, hasVal bool) bool {
	a := strings.ToLower(attr)
	if len(a) > 2 && a[:2] == "on" {
		return true // event handler: script that can fetch anything
	}
	if !hasVal {
		return false
	}
	switch a {
	case "href", "src", "action", "formaction", "poster", "data", "background",
		"xlink:href", "lowsrc", "dynsrc", "longdesc", "cite", "codebase",
		"usemap", "profile", "manifest", "icon":
		return s.attrURLDenied(val)
	case "ping", "archive":
		for _, u := range strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == ',' }) {
			if s.attrURLDenied(u) {
				return true
			}
		}
	case "srcset", "imagesrcset":
		for c := range strings.SplitSeq(html.UnescapeString(val), ",") {
			if f := strings.Fields(c); len(f) > 0 && s.attrURLDenied(f[0]) {
				return true
			}
		}
	case "srcdoc":
		return true
	case "style":
		v := html.UnescapeString(val)
		for {
			i := indexFold(v, "url(")
			if i < 0 {
				return false
			}
			v = v[i+4:]
			e := strings.IndexByte(v, ')')
			if e < 0 {
				e = len(v)
			}
			u := strings.Trim(v[:e], " \t\n\r\f\"'")
			if s.attrURLDenied(u) {
				return true
			}
			v = v[e:]
		}
	case "content":
		if tag == "meta" {
			v := html.UnescapeString(val)
			if i := indexFold(v, "url="); i >= 0 {
				return s.attrURLDenied(strings.Trim(v[i+4:], " \t\n\r\f\"'"))
			}
		}
	}
	return false
}

// attrURLDenied checks an attribute value as written and with its HTML
// entities decoded, as the browser reads it.
func (s *scanner) attrURLDenied(v string) bool {
	if s.f.checkURL(v) != urlAllowed {
		return true
	}
	return strings.IndexByte(v, '&') >= 0 && s.f.checkURL(html.UnescapeString(v)) != urlAllowed
}

// skipLinkSpace skips spaces and tabs with at most one line break.
func skipLinkSpace(text string, j int) int {
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	if j < len(text) && (text[j] == '\n' || text[j] == '\r') {
		if text[j] == '\r' && j+1 < len(text) && text[j+1] == '\n' {
			j++
		}
		j++
		for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
			j++
		}
	}
	return j
}

// isEscaped reports whether text[p] follows an odd run of backslashes.
func isEscaped(text string, p int) bool {
	k := p
	for k > 0 && text[k-1] == '\\' {
		k--
	}
	return (p-k)%2 == 1
}

// unbackslash removes markdown backslash escapes.
func unbackslash(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isPunct(c byte) bool {
	return c < 0x80 && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// hasSuffixFold reports whether s ends with the lower-case ASCII suffix,
// ignoring case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// indexFold is strings.Index ignoring ASCII case; sub is lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
