package inject

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Encoded payloads: an instruction written in base64, hex or ROT13 reads
// as noise to a person and to a keyword filter, but a model decodes it
// happily. A run of at least 16 characters of the base64 alphabet (or an
// even run of hex digits) is decoded when it decodes to mostly printable
// text, and the decoded text is scanned; a finding there is reported as
// encoded_instruction over the encoded run. ROT13 is caught by anchoring
// on the ROT13 forms of the leading verbs ("vtaber" for "ignore").

const (
	minEncoded    = 16
	maxEncodedRun = 256 << 10 // longer runs are decoded up to this length
)

// encoded examines the base64 or hex run around the word text[s:e].
func (st *scanState) encoded(s, e int) {
	t := st.text
	// The run of base64 characters around the word; '=' is padding, so a
	// '=' followed by more characters ("token=ZGlz...") ends a run.
	a := s
	for a > 0 && class[t[a-1]]&cB64 != 0 && t[a-1] != '=' {
		a--
	}
	b := e
	for b < len(t) && class[t[b]]&cB64 != 0 && t[b] != '=' {
		b++
	}
	for b < len(t) && t[b] == '=' {
		b++
	}
	st.b64Until = b
	for a < b && class[t[a]]&cWord == 0 {
		a++
	}
	if b-a < minEncoded || st.depth >= maxDepth {
		return
	}
	run := t[a:b]
	if joined, end := b64Lines(t, a, b); end > b {
		// Base64 wrapped over several lines (MIME wraps at 76).
		run, b = joined, end
		st.b64Until = b
	}
	if len(run) > maxEncodedRun {
		run = run[:maxEncodedRun]
	}
	var decoded []byte
	if isHexRun(run) {
		if len(run)%2 == 1 {
			run = run[:len(run)-1]
		}
		var probe [32]byte
		n := min(len(run)/2, len(probe))
		for k := 0; k < n; k++ {
			probe[k] = unhex(run[2*k])<<4 | unhex(run[2*k+1])
		}
		if !printable(probe[:n]) {
			return
		}
		decoded = make([]byte, len(run)/2)
		if _, err := hex.Decode(decoded, []byte(run)); err != nil {
			return
		}
	} else {
		enc, body := b64Body(run)
		if enc == nil || len(body) < minEncoded {
			return
		}
		var probe [48]byte
		pl := min(len(body), 64) &^ 3
		n, ok := b64Probe(probe[:], body[:pl], enc == base64.RawURLEncoding)
		if !ok || !printable(probe[:n]) {
			return
		}
		decoded = make([]byte, enc.DecodedLen(len(body)))
		n, err := enc.Decode(decoded, []byte(body))
		if err != nil {
			return
		}
		decoded = decoded[:n]
	}
	best := 0.0
	for _, f := range st.nested(string(decoded), false) {
		if f.Confidence > best {
			best = f.Confidence
		}
	}
	switch {
	case best >= 0.5:
		st.emit(TypeEncodedInstruction, a, b, best)
	case len(decoded) >= 16 && printable(decoded[:min(len(decoded), 64)]) && st.wordsIn(max(0, a-80), a, st.e.ids["obeycue"]):
		// A readable payload the text asks to act on: "decode this and
		// do what it says", "run this: ...".
		st.emit(TypeEncodedInstruction, a, b, 0.6)
	}
}

// unhex returns the value of a hex digit (the caller checked it is one).
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// b64Probe decodes a prefix of a base64 body (a multiple of 4 characters)
// into dst without allocating.
func b64Probe(dst []byte, body string, url bool) (int, bool) {
	n := 0
	for i := 0; i+4 <= len(body) && n+3 <= len(dst); i += 4 {
		var v uint32
		for k := 0; k < 4; k++ {
			d := b64Value(body[i+k], url)
			if d < 0 {
				return n, false
			}
			v = v<<6 | uint32(d)
		}
		dst[n], dst[n+1], dst[n+2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
	}
	return n, true
}

// b64Value returns the value of a base64 character, or -1.
func b64Value(c byte, url bool) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+' && !url, c == '-' && url:
		return 62
	case c == '/' && !url, c == '_' && url:
		return 63
	}
	return -1
}

// isHexRun reports whether run is all hex digits.
func isHexRun(run string) bool {
	for i := 0; i < len(run); i++ {
		if class[run[i]]&cHex == 0 {
			return false
		}
	}
	return true
}

// b64Body picks the alphabet of a base64 run and returns the part to
// decode (up to the first '=', a length the decoder accepts).
func b64Body(run string) (*base64.Encoding, string) {
	std, url := false, false
	end := len(run)
	for i := 0; i < len(run); i++ {
		switch run[i] {
		case '+', '/':
			std = true
		case '-', '_':
			url = true
		case '=':
			if i < end {
				end = i
			}
		}
	}
	if std && url {
		return nil, ""
	}
	body := run[:end]
	if len(body)%4 == 1 {
		body = body[:len(body)-1]
	}
	if url {
		return base64.RawURLEncoding, body
	}
	return base64.RawStdEncoding, body
}

// printable reports whether decoded bytes look like text: no control
// characters, valid UTF-8 (a cut rune at the end allowed), and mostly
// letters and spaces.
func printable(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	letters := 0
	for _, c := range b {
		switch {
		case c == '\t' || c == '\n' || c == '\r':
		case c < 0x20 || c == 0x7F:
			return false
		case c >= 0x80:
			letters++
		case class[c]&cLetter != 0 || c == ' ':
			letters++
		}
	}
	k := len(b)
	for i := 0; i < 3 && k > 0 && b[k-1] >= 0x80; i++ {
		if utf8.Valid(b[:k]) {
			break
		}
		k--
	}
	return utf8.Valid(b[:k]) && letters*10 >= len(b)*7
}

// rot13 decodes the text around a ROT13 anchor at s and scans it.
func (st *scanState) rot13(s int) {
	if st.depth >= maxDepth || s < st.rot13Until {
		return
	}
	t := st.text
	lo, hi := max(0, s-80), min(len(t), s+240)
	for lo < s && t[lo]&0xC0 == 0x80 {
		lo++
	}
	for hi < len(t) && hi > s && t[hi]&0xC0 == 0x80 {
		hi--
	}
	st.rot13Until = hi
	buf := make([]byte, hi-lo)
	for i := range buf {
		c := t[lo+i]
		switch {
		case c >= 'a' && c <= 'z':
			c = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			c = 'A' + (c-'A'+13)%26
		}
		buf[i] = c
	}
	for _, f := range st.nested(string(buf), false) {
		if f.Type == TypeHiddenText || f.Confidence < 0.5 {
			continue
		}
		st.emit(TypeEncodedInstruction, lo+f.Start, lo+f.End, f.Confidence)
	}
}

// b64Lines joins a base64 run text[a:b] with the runs on the lines that
// follow when it looks wrapped: at least 40 characters, a multiple of
// four, no padding, and a line break right after. It returns the joined
// run and where the last line ends, or b when there is nothing to join.
func b64Lines(t string, a, b int) (string, int) {
	if b-a < 40 || (b-a)%4 != 0 || t[b-1] == '=' || b >= len(t) || (t[b] != '\n' && t[b] != '\r') {
		return "", b
	}
	var sb strings.Builder
	end := b
	for total := b - a; total < maxEncodedRun; {
		p := end
		if p < len(t) && t[p] == '\r' {
			p++
		}
		if p >= len(t) || t[p] != '\n' {
			break
		}
		p++
		q := p
		for q < len(t) && class[t[q]]&cB64 != 0 && q-p < 1024 {
			q++
		}
		if q-p < 4 || (q < len(t) && t[q] != '\n' && t[q] != '\r' && t[q] != ' ' && t[q] != '.' && t[q] != '"') {
			break
		}
		if sb.Len() == 0 {
			sb.WriteString(t[a:b])
		}
		sb.WriteString(t[p:q])
		total += q - p
		end = q
		if (q-p)%4 != 0 || t[q-1] == '=' {
			break // the last line
		}
	}
	if sb.Len() == 0 {
		return "", b
	}
	return sb.String(), end
}
