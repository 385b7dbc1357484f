package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// Lengths past which a base64url run is not taken for a JWT part.
const (
	maxJWTHeader    = 2048
	maxJWTPayload   = 16 << 10
	maxJWTSignature = 2048
)

// jwt finds JSON Web Tokens: three base64url parts joined by dots, the first
// of which decodes to a JSON object with an "alg" member. The token is
// reported at 0.95 when the payload also decodes to JSON and at 0.8 when it
// does not; the jwt.io sample (subject 1234567890, John Doe) is reported as
// an example.
func (s *state) jwt(st int) {
	t := s.text
	if st < s.jwtSkip || st < s.last[ruleJWT] || !boundary(t, st-1, cB64URL) {
		return
	}
	h := runEnd(t, st, cB64URL, maxJWTHeader+1)
	s.jwtSkip = h
	if h-st < 10 || h-st > maxJWTHeader || h >= len(t) || t[h] != '.' {
		return
	}
	p := runEnd(t, h+1, cB64URL, maxJWTPayload+1)
	if p-(h+1) < 2 || p-(h+1) > maxJWTPayload || p >= len(t) || t[p] != '.' || t[h+1] != 'e' {
		return
	}
	en := runEnd(t, p+1, cB64URL, maxJWTSignature+1)
	if en-(p+1) > maxJWTSignature {
		return
	}
	var buf [1536]byte
	hdr, ok := decodeB64URL(buf[:], t[st:h])
	if !ok || !json.Valid(hdr) || !bytes.HasPrefix(bytes.TrimLeft(hdr, " \t\r\n"), []byte("{")) ||
		!bytes.Contains(hdr, []byte(`"alg"`)) {
		return
	}
	conf := 0.8
	var pbuf [2048]byte
	if payload, ok := decodeB64URL(pbuf[:], t[h+1:p]); ok && json.Valid(payload) {
		conf = confMarker
		if bytes.Contains(payload, []byte("1234567890")) || bytes.Contains(payload, []byte("John Doe")) {
			conf = confExample
		}
	}
	s.emit(ruleJWT, st, en, conf)
}

// decodeB64URL decodes unpadded base64url into buf, or into a new slice
// when buf is too small.
func decodeB64URL(buf []byte, src string) ([]byte, bool) {
	enc := base64.RawURLEncoding
	if n := enc.DecodedLen(len(src)); n > len(buf) {
		buf = make([]byte, n)
	}
	n, err := enc.Decode(buf, []byte(src))
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}
