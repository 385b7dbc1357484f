package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// KEK is a key-encryption key: the AEAD that wraps and unwraps the data
// keys of secret versions, and the IDs that name it. Each stored version
// records the ID of the key that wrapped its data key (its KEKID), so
// that a re-wrap knows what to do and a missing key is named in errors.
//
// Build one with LoadKeysetFile, LoadKeysetEnv, ParseKeyset,
// NewVaultTransitKEK, or NewKEK for any other tink.AEAD (a cloud KMS).
type KEK struct {
	aead tink.AEAD
	// id names the KEK as a whole: "keyset:<primary key id>" for a
	// keyset, "vault-transit:<key path>" for Vault, the caller's ID for
	// NewKEK.
	id string
	// wrapID returns the KEKID to store with a data key just wrapped.
	wrapID func(wrapped []byte) (string, error)
	// has reports whether the KEK can unwrap a data key stored with kekID.
	has func(kekID string) bool
	// primary returns the KEKID that wrapping now would produce.
	primary func() (string, error)
	// classify turns a failure of aead.Decrypt into this package's errors.
	classify func(err error) error
	// keys describes the key ids the KEK holds, for error messages.
	keys string
}

// NewKEK returns a KEK for any tink.AEAD, such as a cloud KMS's, named id
// (for example "gcp-kms:projects/p/locations/l/keyRings/r/cryptoKeys/k").
// Every data key it wraps is stored with KEKID id, and it unwraps only
// data keys stored with that KEKID: to move to another key, load the old
// one in Options.Retired and run Rewrap.
func NewKEK(id string, a tink.AEAD) (*KEK, error) {
	if id == "" || a == nil {
		return nil, errors.New("secrets: a key-encryption key needs an ID and an AEAD")
	}
	return &KEK{
		aead:     a,
		id:       id,
		wrapID:   func([]byte) (string, error) { return id, nil },
		has:      func(kekID string) bool { return kekID == id },
		primary:  func() (string, error) { return id, nil },
		classify: classifyLocal,
		keys:     strconv.Quote(id),
	}, nil
}

// ID names the key-encryption key: "keyset:<primary key id>" for a Tink
// keyset, "vault-transit:<key path>" for a Vault Transit key (whose
// stored KEKIDs add ":v<key version>"), or the ID given to NewKEK.
func (k *KEK) ID() string { return k.id }

// AEAD returns the primitive that wraps and unwraps data keys.
func (k *KEK) AEAD() tink.AEAD { return k.aead }

// classifyLocal classifies a failure of a local AEAD: decryption failed.
func classifyLocal(err error) error {
	if isTransient(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return ErrIntegrity
}

// keysetPrefix starts the KEKID of a data key wrapped by a Tink keyset.
const keysetPrefix = "keyset:"

// aesGCMTypeURL is the Tink type of AES-GCM keys, the only keys a
// key-encryption keyset may hold.
const aesGCMTypeURL = "type.googleapis.com/google.crypto.tink.AesGcmKey"

// LoadKeysetFile reads a key-encryption key from a cleartext Tink JSON
// keyset file (as GenerateKeyset writes), or the base64 of one. Keep the
// file readable by Palisade alone.
func LoadKeysetFile(path string) (*KEK, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: read key-encryption keyset: %w", err)
	}
	defer clear(b)
	k, err := ParseKeyset(b)
	if err != nil {
		return nil, fmt.Errorf("secrets: key-encryption keyset %s: %w", path, err)
	}
	return k, nil
}

// LoadKeysetEnv reads a key-encryption key from the environment variable
// name, which holds a cleartext Tink JSON keyset or its base64.
func LoadKeysetEnv(name string) (*KEK, error) {
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, fmt.Errorf("secrets: the environment variable %s that should hold the key-encryption keyset is not set", name)
	}
	k, err := ParseKeyset([]byte(v))
	if err != nil {
		return nil, fmt.Errorf("secrets: key-encryption keyset in $%s: %w", name, err)
	}
	return k, nil
}

// ParseKeyset returns the key-encryption key of a cleartext Tink JSON
// keyset, or of its standard base64. Every key must be an AES-GCM key;
// the primary wraps new data keys, and all enabled keys unwrap.
func ParseKeyset(b []byte) (*KEK, error) {
	h, err := readKeyset(b)
	if err != nil {
		return nil, err
	}
	info := h.KeysetInfo()
	var ids []uint32
	for _, ki := range info.GetKeyInfo() {
		if ki.GetTypeUrl() != aesGCMTypeURL {
			return nil, fmt.Errorf("key %d is a %s, not an AES-GCM key", ki.GetKeyId(), ki.GetTypeUrl())
		}
		if ki.GetStatus() == tinkpb.KeyStatusType_ENABLED {
			ids = append(ids, ki.GetKeyId())
		}
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("not a usable AEAD keyset: %w", err)
	}
	slices.Sort(ids)
	primary := keysetPrefix + strconv.FormatUint(uint64(info.GetPrimaryKeyId()), 10)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = strconv.FormatUint(uint64(id), 10)
	}
	return &KEK{
		aead:   a,
		id:     primary,
		wrapID: func([]byte) (string, error) { return primary, nil },
		has: func(kekID string) bool {
			n, ok := strings.CutPrefix(kekID, keysetPrefix)
			if !ok {
				return false
			}
			id, err := strconv.ParseUint(n, 10, 32)
			return err == nil && slices.Contains(ids, uint32(id))
		},
		primary:  func() (string, error) { return primary, nil },
		classify: classifyLocal,
		keys:     "keyset key ids " + strings.Join(names, ", "),
	}, nil
}

// readKeyset parses a cleartext JSON keyset, or its base64.
func readKeyset(b []byte) (*keyset.Handle, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("empty keyset")
	}
	if b[0] != '{' {
		dec, err := base64.StdEncoding.DecodeString(string(b))
		if err != nil {
			return nil, errors.New("neither a JSON keyset nor the base64 of one")
		}
		defer clear(dec)
		b = bytes.TrimSpace(dec)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		// Tink's message names no key material.
		return nil, fmt.Errorf("not a valid Tink JSON keyset: %w", err)
	}
	return h, nil
}

// writeKeyset returns h as a cleartext JSON keyset.
func writeKeyset(h *keyset.Handle) ([]byte, error) {
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// GenerateKeyset returns a new cleartext Tink JSON keyset holding one
// AES256-GCM key, for use as a key-encryption key.
func GenerateKeyset() ([]byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("secrets: generate keyset: %w", err)
	}
	b, err := writeKeyset(h)
	if err != nil {
		return nil, fmt.Errorf("secrets: generate keyset: %w", err)
	}
	return b, nil
}

// RotateKeyset returns the JSON keyset (given as JSON or its base64) with
// a new AES256-GCM key added as its primary. The old keys stay, so data
// keys they wrapped still unwrap until Rewrap has moved them to the new
// primary; only then may the old keys be removed.
func RotateKeyset(keysetJSON []byte) ([]byte, error) {
	h, err := readKeyset(keysetJSON)
	if err != nil {
		return nil, fmt.Errorf("secrets: rotate keyset: %w", err)
	}
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("secrets: rotate keyset: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return nil, fmt.Errorf("secrets: rotate keyset: %w", err)
	}
	if h, err = m.Handle(); err != nil {
		return nil, fmt.Errorf("secrets: rotate keyset: %w", err)
	}
	b, err := writeKeyset(h)
	if err != nil {
		return nil, fmt.Errorf("secrets: rotate keyset: %w", err)
	}
	return b, nil
}
