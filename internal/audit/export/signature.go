package export

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a webhook request's
// signature: "t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">".
const SignatureHeader = "X-Palisade-Signature"

// BatchHeader is the header that names a webhook batch by the ids of its
// first and last events: "<first-id>..<last-id>". A receiver may log it or
// use it to spot a batch sent again.
const BatchHeader = "X-Palisade-Batch"

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when VerifySignature is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// ErrBadSignature means a webhook request's signature does not verify:
// the header is missing or malformed, no v1 value matches the body, or
// the timestamp is outside the tolerance.
var ErrBadSignature = errors.New("export: bad webhook signature")

// sign returns the signature header value for body sent at t.
func sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac returns HMAC-SHA256(secret, ts + "." + body).
func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifySignature checks a webhook request's X-Palisade-Signature header
// against the raw body as received, for receivers and tests: some v1 value
// must be the HMAC-SHA256, keyed with secret, of "<t>.<body>", and t must
// be within tolerance of now (DefaultTolerance when tolerance is not
// positive), which bounds how long a captured request can be replayed.
// Unknown keys in the header are ignored, so later schemes can be added
// beside v1. The comparison takes constant time. Errors wrap
// ErrBadSignature.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no secret to verify with", ErrBadSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header", ErrBadSignature)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: more than one timestamp", ErrBadSignature)
			}
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: missing or malformed timestamp", ErrBadSignature)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no v1 signature", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %v away from now, beyond the tolerance of %v", ErrBadSignature, d.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches the body", ErrBadSignature)
}
