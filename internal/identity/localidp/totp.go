package localidp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 defaults, which every authenticator app
// supports. A code is accepted for its own 30-second step and one step
// either side (clock skew), and only once.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1
)

var totpAlgorithm = otp.AlgorithmSHA1

// newTOTPKey generates a TOTP secret for username and returns it with its
// otpauth:// URL.
func newTOTPKey(issuer, username string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: username, Period: totpPeriod,
		Digits: totpDigits, Algorithm: totpAlgorithm, SecretSize: 20,
	})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// matchTOTP returns the time step whose code equals code, trying the step
// of now and totpSkew steps either side, comparing in constant time.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: totpAlgorithm}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		s := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// sealPrefix marks the version of the sealed TOTP secret format.
const sealPrefix = "v1:"

// errBadSeal is returned for a stored TOTP secret that does not open.
var errBadSeal = errors.New("localidp: the stored TOTP secret cannot be opened")

// sealer encrypts TOTP secrets at rest with AES-256-GCM, bound to the
// username, so that a copy of the users table alone does not give them
// away.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func sealAAD(username string) []byte {
	return []byte("palisade-localidp-totp\x00" + username)
}

func (s *sealer) seal(username, secret string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.aead.Seal(nonce, nonce, []byte(secret), sealAAD(username))
	return sealPrefix + base64.RawURLEncoding.EncodeToString(ct), nil
}

func (s *sealer) open(username, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errBadSeal
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errBadSeal
	}
	pt, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], sealAAD(username))
	if err != nil {
		return "", errBadSeal
	}
	return string(pt), nil
}
