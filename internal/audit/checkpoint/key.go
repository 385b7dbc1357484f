package checkpoint

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/store"
)

// KeyName is the name under which the store keeps the checkpoint signing
// key, as note.GenerateKey's private key text.
const KeyName = "audit-checkpoint-key"

// Key is the log's signing key: a note signer and the matching verifier.
type Key struct {
	// Signer signs checkpoints.
	Signer note.Signer
	// Verifier checks them.
	Verifier note.Verifier
	// VerifierKey is the verifier as text ("name+hash+key"), for operators
	// to keep outside the database and verify with (note.NewVerifier).
	VerifierKey string
}

// LoadKey returns the log's signing key, creating it (an Ed25519 key named
// name) and storing it under KeyName if the store has none. Every replica
// gets the key that was stored first. name must be a valid key name (no
// spaces or "+"); by convention it is the log's origin. A stored key keeps
// the name it was created with.
func LoadKey(ctx context.Context, keys store.Keys, name string) (Key, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return Key{}, fmt.Errorf("checkpoint: generate signing key %q: %w", name, err)
	}
	stored, err := keys.LoadOrCreateKey(ctx, KeyName, []byte(skey))
	if err != nil {
		return Key{}, fmt.Errorf("checkpoint: load signing key: %w", err)
	}
	return parseKey(string(stored))
}

// parseKey derives the signer, verifier and verifier key from a private
// key in note.GenerateKey's format.
func parseKey(skey string) (Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return Key{}, fmt.Errorf("checkpoint: stored signing key %s: %w", KeyName, err)
	}
	// PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>; NewSigner checked it.
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return Key{}, errors.New("checkpoint: stored signing key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return Key{}, fmt.Errorf("checkpoint: verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return Key{}, fmt.Errorf("checkpoint: verifier key: %w", err)
	}
	if verifier.KeyHash() != signer.KeyHash() {
		return Key{}, errors.New("checkpoint: verifier does not match the signing key")
	}
	return Key{Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}
