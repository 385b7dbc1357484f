package secrets

import (
	"regexp"
	"strings"
)

// Private keys in PEM or armored form: RSA, EC, DSA, OPENSSH, PKCS#8,
// ENCRYPTED, PGP. A finding covers the whole block, from the BEGIN line to
// the end of the matching END line; without an END line it covers the BEGIN
// line and the base64 body that follows it.

var (
	rePEMBegin = regexp.MustCompile(`\A-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----`)
	rePEMEnd   = regexp.MustCompile(`\A-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----`)
)

// maxPEM bounds how far a block may reach, so that a BEGIN line without an
// END does not claim the rest of a large text.
const maxPEM = 64 << 10

func (s *state) privateKey(st int) {
	if st < s.last[rulePrivateKey] {
		return
	}
	t := s.text
	hdrEnd := s.matchAt(rePEMBegin, st, 80)
	if hdrEnd < 0 {
		return
	}
	en, body := -1, ""
	if e := s.endMark.next(t, "-----END", hdrEnd); e >= 0 && e-hdrEnd <= maxPEM {
		if fe := s.matchAt(rePEMEnd, e, 80); fe > 0 {
			en, body = fe, t[hdrEnd:e]
		}
	}
	if en < 0 {
		en = s.pemLines(hdrEnd)
		body = t[hdrEnd:en]
	}
	conf := 0.5
	switch n := base64Chars(body); {
	case n >= 64:
		conf = confMarker
	case n >= 16:
		conf = 0.7
	}
	if strings.Contains(body, "...") || strings.Contains(body, "…") ||
		containsFold(body, "example") || containsFold(body, "xxxx") || pemPlaceholder(body) {
		conf = confExample
	}
	s.last[rulePrivateKey] = en
	if s.d.on[ruleGCPServiceAccount] && s.serviceAccount(st, en) {
		s.emit(ruleGCPServiceAccount, st, en, conf)
		return
	}
	s.emit(rulePrivateKey, st, en, conf)
}

// pemLines returns the end of the base64 lines that follow a BEGIN line
// ending at i, for a block without an END line. Lines break at a newline
// or, inside a JSON string, at an escaped \n; the body ends at the first
// line holding anything but base64.
func (s *state) pemLines(i int) int {
	t := s.text
	end := i
	limit := min(len(t), i+maxPEM)
	for i < limit {
		j := i
		if t[j] == '\r' {
			j++
		}
		switch {
		case j < len(t) && t[j] == '\n':
			j++
		case j+1 < len(t) && t[j] == '\\' && t[j+1] == 'n':
			j += 2
		default:
			return end
		}
		k := j
		for k < limit && (is(t[k], cBase64) || t[k] == '=') {
			k++
		}
		if k == j || (k < len(t) && t[k] != '\n' && t[k] != '\r' && t[k] != '\\') {
			return end
		}
		end, i = k, k
	}
	return end
}

// base64Chars counts the base64 characters of a PEM body, not counting the
// n of escaped newlines.
func base64Chars(body string) int {
	n := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' && i+1 < len(body) && body[i+1] == 'n' {
			i++
			continue
		}
		if is(c, cBase64) {
			n++
		}
	}
	return n
}

// serviceAccount reports whether the key at [st,en) is the private_key of
// a Google Cloud service-account key file: the value of a JSON
// "private_key" member, with "service_account" before it or a
// gserviceaccount.com client e-mail after it.
func (s *state) serviceAccount(st, en int) bool {
	pre := s.text[max(0, st-48):st]
	i := strings.LastIndex(pre, `"private_key"`)
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(pre[i+len(`"private_key"`):], " \t\r\n")
	if !strings.HasPrefix(rest, ":") || strings.TrimLeft(rest[1:], " \t\r\n") != `"` {
		return false
	}
	if s.saPos >= 0 && st-s.saPos <= 8<<10 {
		return true
	}
	j := s.saMark.next(s.text, "gserviceaccount", en)
	return j >= 0 && j-en <= 8<<10
}

// pemPlaceholderWords mark a short PEM body that stands in for a key.
var pemPlaceholderWords = []string{"redacted", "removed", "truncated", "omitted", "snip", "your",
	"here", "paste", "insert", "placeholder", "dummy", "sample", "contents"}

// pemPlaceholder reports whether a PEM body is text standing in for key
// material ("<paste your key here>", "[REDACTED]", "(key removed)"): a line
// that holds something else than base64 and spaces (a key pasted with its
// line breaks turned into spaces is still a key), or, in a body too short
// to be a key, a placeholder word. Header lines of encrypted keys
// ("Proc-Type: 4,ENCRYPTED") are passed over.
func pemPlaceholder(body string) bool {
	if base64Chars(body) < 64 {
		for _, w := range pemPlaceholderWords {
			if containsFold(body, w) {
				return true
			}
		}
	}
	for p := 0; p < len(body); {
		// The next line, ended by a newline or an escaped \n.
		e := p
		for e < len(body) && body[e] != '\n' && (body[e] != '\\' || e+1 == len(body) || body[e+1] != 'n') {
			e++
		}
		line := strings.Trim(body[p:e], " \t\r")
		if line != "" && !strings.Contains(line, ": ") {
			for i := 0; i < len(line); i++ {
				if !is(line[i], cBase64) && line[i] != '=' && line[i] != ' ' && line[i] != '\t' {
					return true
				}
			}
		}
		if p = e + 1; e < len(body) && body[e] == '\\' {
			p++
		}
	}
	return false
}
