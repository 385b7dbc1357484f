package secrets

import (
	"math"
	"strings"
)

// Character classes, as bits in class[b].
const (
	cLower = 1 << iota // a-z
	cUpper             // A-Z
	cDigit             // 0-9
	cB64               // + and /
	cURL               // - and _
	cHex               // 0-9 a-f A-F
	cIdent             // A-Z a-z 0-9 _ . -: a configuration key
	cValue             // printable ASCII that may appear in an unquoted value
)

const (
	cAlnum  = cLower | cUpper | cDigit
	cBase64 = cAlnum | cB64
	cB64URL = cAlnum | cURL
)

var class = func() (c [256]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b] |= cLower | cIdent
	}
	for b := 'A'; b <= 'Z'; b++ {
		c[b] |= cUpper | cIdent
	}
	for b := '0'; b <= '9'; b++ {
		c[b] |= cDigit | cHex | cIdent
	}
	for _, b := range "abcdefABCDEF" {
		c[b] |= cHex
	}
	c['+'] |= cB64
	c['/'] |= cB64
	c['-'] |= cURL | cIdent
	c['_'] |= cURL | cIdent
	c['.'] |= cIdent
	for b := 0x21; b < 0x7f; b++ {
		if !strings.ContainsRune("\"'`,;&()[]{}<>", rune(b)) {
			c[b] |= cValue
		}
	}
	return c
}()

func is(b byte, mask uint8) bool { return class[b]&mask != 0 }
func isLetter(b byte) bool       { return is(b, cLower|cUpper) }
func isDigit(b byte) bool        { return b >= '0' && b <= '9' }

// lower folds an ASCII upper-case letter to lower case.
func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b | 0x20
	}
	return b
}

// runEnd returns the end of the run of bytes of class mask starting at i,
// looking at most max bytes ahead.
func runEnd(t string, i int, mask uint8, max int) int {
	limit := min(len(t), i+max)
	for i < limit && class[t[i]]&mask != 0 {
		i++
	}
	return i
}

// only reports whether every byte of s is in class mask.
func only(s string, mask uint8) bool {
	for i := 0; i < len(s); i++ {
		if class[s[i]]&mask == 0 {
			return false
		}
	}
	return true
}

// boundary reports whether the byte at i, if any, is outside class mask:
// a token must not be glued to more token characters.
func boundary(t string, i int, mask uint8) bool {
	return i < 0 || i >= len(t) || class[t[i]]&mask == 0
}

// Entropy returns the Shannon entropy of s in bits per byte: 0 for an empty
// string or one repeated byte, log2(k) for k distinct bytes used equally
// often. Random key material scores high and words score low, which is what
// lets a scanner tell "api_key = 9fQ2xLr7Tb1ZkW0p" from "api_key = my_key".
func Entropy(s string) float64 {
	if len(s) == 0 {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// containsFold reports whether s contains the lower-case ASCII sub,
// ignoring the case of s.
func containsFold(s, sub string) bool {
	if len(sub) == 0 {
		return true
	}
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if lower(s[i]) == first && equalFoldASCII(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// hasSuffixFold reports whether s ends with the lower-case ASCII suffix,
// ignoring the case of s.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}

// exampleLike reports whether v looks like documentation rather than a
// live credential: it says EXAMPLE, is a run of x or of one character, or
// holds a counting sequence such as 12345678 or abcdefgh.
func exampleLike(v string) bool {
	if containsFold(v, "example") || containsFold(v, "xxxx") || containsFold(v, "dummy") ||
		containsFold(v, "placeholder") || containsFold(v, "your") || containsFold(v, "sample") {
		return true
	}
	same, up := 1, 1
	for i := 1; i < len(v); i++ {
		switch {
		case v[i] == v[i-1]:
			same++
			up = 1
		case v[i] == v[i-1]+1 || (v[i] == '0' && v[i-1] == '9'):
			up++
			same = 1
		default:
			same, up = 1, 1
		}
		if same >= 6 || up >= 8 {
			return true
		}
	}
	return len(v) > 0 && same == len(v)
}

// placeholderWords are values that stand in for a password in samples and
// templates.
var placeholderWords = []string{
	"password", "passwd", "pass", "pwd", "secret", "token", "key", "apikey",
	"api_key", "changeme", "change_me", "change-me", "changeit", "redacted",
	"removed", "hidden", "masked", "null", "nil", "none", "undefined", "true",
	"false", "yes", "no", "empty", "example", "sample", "test", "dummy",
	"placeholder", "mypassword", "my_password", "mysecret", "secretpassword",
	"todo", "tbd", "fixme", "required", "optional", "string", "value", "!vault",
	"username", "user", "admin_password", "default", "str", "int", "bool",
	"bytes", "float", "any", "object", "number", "boolean",
}

// placeholder reports whether v is a stand-in rather than a value: a
// variable reference, a template, a masked or example value, a word from
// placeholderWords, or the key's own name.
func placeholder(v, key string) bool {
	if v == "" {
		return true
	}
	switch v[0] {
	case '$', '%', '<', '{', '[', '(', '#', '@', '!', ':', '?':
		return true
	}
	if strings.Contains(v, "${") || strings.Contains(v, "{{") || strings.Contains(v, "}}") ||
		strings.Contains(v, "$(") || strings.Contains(v, "***") || strings.Contains(v, "...") ||
		strings.Contains(v, "•") || strings.ContainsAny(v, "<>") {
		return true
	}
	if exampleLike(v) || containsFold(v, "changeme") || containsFold(v, "change_me") ||
		containsFold(v, "redacted") || containsFold(v, "insert") {
		return true
	}
	for _, w := range placeholderWords {
		if len(v) == len(w) && equalFoldASCII(v, w) {
			return true
		}
	}
	if key != "" && len(v) == len(key) && strings.EqualFold(v, key) {
		return true
	}
	return false
}

// codeReference reports whether an unquoted value is an expression rather
// than a literal: a call, a dotted path or a camelCase identifier. A dot at
// either end or two dots in a row make no path ("WmdnYGN.D..IU").
func codeReference(v string) bool {
	if strings.ContainsAny(v, "()") {
		return true
	}
	if strings.Contains(v, "..") || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") {
		return false
	}
	letters, dots, humps := true, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.':
			dots = true
		case c == '_' || isLetter(c):
			if i > 0 && is(c, cUpper) && is(v[i-1], cLower) {
				humps = true
			}
		default:
			letters = false
		}
	}
	return letters && (dots || humps)
}

// charClasses counts which of lower, upper, digit and other a value uses.
func charClasses(v string) int {
	var seen uint8
	for i := 0; i < len(v); i++ {
		switch c := class[v[i]]; {
		case c&cLower != 0:
			seen |= 1
		case c&cUpper != 0:
			seen |= 2
		case c&cDigit != 0:
			seen |= 4
		default:
			seen |= 8
		}
	}
	n := 0
	for ; seen != 0; seen &= seen - 1 {
		n++
	}
	return n
}

// randomness judges whether v, a candidate value of a secret-sounding key,
// looks like generated key material. It returns the confidence to report,
// or 0. Thresholds depend on the alphabet: a string of n hex digits can
// reach at most log2(min(n,16)) bits per byte and a base64 string
// log2(min(n,64)), and v must reach 75% (hex) or 85% (base64) of that.
func randomness(v string) float64 {
	n := len(v)
	if n < 16 || n > 1024 || !only(v, cBase64|cURL|cIdent|cValue) {
		return 0
	}
	if only(v, cDigit) || uuidShape(v) || strings.HasPrefix(v, "data:") || strings.ContainsAny(v, "\\ ") ||
		strings.Contains(v, "://") || v[0] == '/' || wordy(v) {
		return 0
	}
	var maxH, thr float64
	if only(v, cHex) {
		maxH = math.Log2(float64(min(n, 16)))
		thr = 0.75 * maxH
	} else {
		maxH = math.Log2(float64(min(n, 64)))
		thr = 0.85 * maxH
		if !strings.ContainsAny(v, "0123456789") && camelCase(v) {
			return 0
		}
	}
	h := Entropy(v)
	if h < thr || charClasses(v) < 2 || exampleLike(v) {
		return 0
	}
	f := (h - thr) / (maxH - thr)
	return 0.55 + 0.25*min(1, max(0, f))
}

// uuidShape reports whether v is 8-4-4-4-12 hex digits.
func uuidShape(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if v[i] != '-' {
				return false
			}
		} else if !is(v[i], cHex) {
			return false
		}
	}
	return true
}

// wordy reports whether v is words joined by separators
// ("my_super_secret_value_2", "uploads/2024/avatar.png"): every part
// between _ - . / is a word in one case, a capitalised word, or a number.
func wordy(v string) bool {
	parts := 0
	for len(v) > 0 {
		i := strings.IndexAny(v, "_-./")
		part := v
		if i >= 0 {
			part, v = v[:i], v[i+1:]
			parts++
		} else {
			v = ""
		}
		if part == "" || only(part, cDigit) {
			continue
		}
		rest := part[1:]
		if !(only(part, cLower) || only(part, cUpper) || (is(part[0], cUpper) && only(rest, cLower))) {
			return false
		}
	}
	return parts > 0
}

// camelCase reports whether every upper-case letter of v begins a
// lower-case word, as in identifiers ("getUserAccessToken").
func camelCase(v string) bool {
	for i := 0; i < len(v); i++ {
		if is(v[i], cUpper) && (i+1 >= len(v) || !is(v[i+1], cLower)) {
			return false
		}
	}
	return true
}

// lazyIndex finds the next occurrence of a needle at or after a position,
// for positions that never decrease, scanning each byte of text at most
// once across all calls.
type lazyIndex struct {
	init     bool
	from, at int // at is the first occurrence at or after from, or -1
}

func (l *lazyIndex) next(t, needle string, p int) int {
	if l.init && p >= l.from && (l.at < 0 || l.at >= p) {
		return l.at
	}
	l.init, l.from, l.at = true, p, -1
	if p <= len(t) {
		if i := strings.Index(t[p:], needle); i >= 0 {
			l.at = p + i
		}
	}
	return l.at
}
