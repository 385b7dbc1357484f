package localidp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: OWASP's minimum for argon2id (19 MiB
// of memory, two passes, one lane), a 16-byte salt and a 32-byte key.
const (
	argonMemoryKiB = 19456
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on the parameters of a stored hash, so that a corrupted or
// planted hash cannot make verification exhaust memory or time.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 16
	maxArgonThreads   = 16
)

// Password policy.
const (
	// MinPasswordLength is the least number of characters of a password.
	MinPasswordLength = 12
	// MaxPasswordLength bounds what is hashed.
	MaxPasswordLength = 1024
)

// ErrWeakPassword is returned (wrapped, with the reason) for a password
// the policy refuses.
var ErrWeakPassword = errors.New("localidp: password refused")

// CheckPasswordPolicy reports why password may not be set for username:
// shorter than MinPasswordLength characters, longer than
// MaxPasswordLength bytes, not valid UTF-8, or equal to the username
// (ignoring case). The error wraps ErrWeakPassword.
func CheckPasswordPolicy(username, password string) error {
	switch {
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: it is not valid UTF-8", ErrWeakPassword)
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return fmt.Errorf("%w: it must have at least %d characters", ErrWeakPassword, MinPasswordLength)
	case len(password) > MaxPasswordLength:
		return fmt.Errorf("%w: it must have at most %d bytes", ErrWeakPassword, MaxPasswordLength)
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(username)):
		return fmt.Errorf("%w: it must not be the username", ErrWeakPassword)
	}
	return nil
}

// HashPassword returns the argon2id hash of password in the PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, salt and key in
// unpadded standard base64. It applies no policy (client secrets are
// hashed with it too); see CheckPasswordPolicy.
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordLength {
		return "", fmt.Errorf("%w: it must have at most %d bytes", ErrWeakPassword, MaxPasswordLength)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads, salt: salt}
	p.key = argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	return p.encode(), nil
}

// VerifyPassword reports whether password matches the PHC-format argon2id
// hash encoded, comparing in constant time, and whether the hash should be
// replaced by HashPassword's because its parameters are weaker than the
// current ones. A hash that cannot be parsed is an error.
func VerifyPassword(encoded, password string) (ok, needsRehash bool, err error) {
	p, err := parseArgon2id(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordLength {
		// Still spend the time, so the length does not show.
		password = password[:MaxPasswordLength]
		defer func() { ok = false }()
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	ok = subtle.ConstantTimeCompare(key, p.key) == 1
	needsRehash = p.memory < argonMemoryKiB || p.time < argonTime || p.threads < argonThreads ||
		len(p.key) < argonKeyLen || len(p.salt) < argonSaltLen
	return ok, needsRehash, nil
}

// dummyHash is the hash unknown users are checked against, so that a
// sign-in for a user who does not exist costs as much as one for a user
// who does.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(rand.Text())
	if err != nil {
		panic("localidp: cannot hash: " + err.Error())
	}
	return h
})

// burnPasswordCheck spends the time of one password verification.
func burnPasswordCheck(password string) {
	_, _, _ = VerifyPassword(dummyHash(), password)
}

type argonParams struct {
	memory    uint32
	time      uint32
	threads   uint8
	salt, key []byte
}

func (p argonParams) encode() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.memory, p.time, p.threads, b64.EncodeToString(p.salt), b64.EncodeToString(p.key))
}

// errBadHash is returned for a stored hash that is not a well-formed
// argon2id PHC string within bounds.
var errBadHash = errors.New("localidp: malformed password hash")

// parseArgon2id parses $argon2id$v=19$m=M,t=T,p=P$salt$key strictly.
func parseArgon2id(s string) (argonParams, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return argonParams{}, errBadHash
	}
	var p argonParams
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := []string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return argonParams{}, errBadHash
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil || n == 0 {
			return argonParams{}, errBadHash
		}
		switch name {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > maxArgonThreads {
				return argonParams{}, errBadHash
			}
			p.threads = uint8(n)
		}
	}
	if p.memory == 0 || p.time == 0 || p.threads == 0 ||
		p.memory > maxArgonMemoryKiB || p.time > maxArgonTime || p.memory < 8*uint32(p.threads) {
		return argonParams{}, errBadHash
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return argonParams{}, errBadHash
	}
	if p.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return argonParams{}, errBadHash
	}
	return p, nil
}
