package output

import "strings"

// htmlEscapes maps the five characters EscapeHTML rewrites to their
// entities; other bytes map to "".
var htmlEscapes = [256]string{
	'&':  "&amp;",
	'<':  "&lt;",
	'>':  "&gt;",
	'"':  "&#34;",
	'\'': "&#39;",
}

// EscapeHTML escapes &, <, >, " and ' so that an answer placed in HTML
// text or in a quoted attribute value is shown as text and cannot add
// markup or script to a web chat. It is not enough for other contexts
// (unquoted attributes, URLs, script or style blocks). Text without those
// characters is returned as is, without allocating.
func EscapeHTML(text string) string {
	i := 0
	for i < len(text) && htmlEscapes[text[i]] == "" {
		i++
	}
	if i == len(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/8 + 8)
	last := 0
	for ; i < len(text); i++ {
		if r := htmlEscapes[text[i]]; r != "" {
			b.WriteString(text[last:i])
			b.WriteString(r)
			last = i + 1
		}
	}
	b.WriteString(text[last:])
	return b.String()
}
