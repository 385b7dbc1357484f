package localidp

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// Ensure hashes are argon2id PHC strings with OWASP's parameters, verify,
// are salted, and that weaker stored parameters ask for a rehash.
func TestPasswordHash(t *testing.T) {
	h, err := HashPassword(alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not the expected PHC string", h)
	}
	if h2, _ := HashPassword(alicePassword); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := VerifyPassword(h, alicePassword); !ok || rehash || err != nil {
		t.Errorf("VerifyPassword(right) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, err := VerifyPassword(h, alicePassword+"x"); ok || err != nil {
		t.Errorf("VerifyPassword(wrong) = %v, %v", ok, err)
	}
	weak := argonParams{memory: 4096, time: 1, threads: 1, salt: []byte("0123456789abcdef")}
	weak.key = argon2.IDKey([]byte("pw"), weak.salt, weak.time, weak.memory, weak.threads, 32)
	if ok, rehash, err := VerifyPassword(weak.encode(), "pw"); !ok || !rehash || err != nil {
		t.Errorf("VerifyPassword(weak params) = %v, %v, %v; want a match that needs a rehash", ok, rehash, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$t=2,m=19456,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, _, err := VerifyPassword(bad, "pw"); err == nil {
			t.Errorf("VerifyPassword(%q) accepted a malformed hash", bad)
		}
	}
}

// Ensure the password policy: at least 12 characters, not the username.
func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                    false,
		"elevenchars":              false,
		"twelve chars":             true,
		"ÄÖÜäöüßÄÖÜäö":             true, // 12 characters, more bytes
		"Alice.Example.Long":       false,
		strings.Repeat("x", 1025):  false,
		"  alice.example.long    ": false,
	} {
		err := CheckPasswordPolicy("alice.example.long", pw)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}
