package secrets

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// Labels of the associated data: ValueLabel for a value encrypted under
// its data key, KeyLabel for a data key wrapped by the key-encryption key.
const (
	ValueLabel = "palisade-secret"
	KeyLabel   = "palisade-secret-key"
)

// AssociatedData returns the associated data that binds a ciphertext to
// one version of one secret: the label, then the name, each as a 4-byte
// big-endian length followed by its bytes, then the version as an 8-byte
// big-endian unsigned integer. The value of version V of secret N is
// encrypted with AssociatedData(ValueLabel, N, V) and its data key wrapped
// with AssociatedData(KeyLabel, N, V), so that a ciphertext or wrapped key
// copied to another secret or version fails to decrypt.
func AssociatedData(label, name string, version int) []byte {
	b := make([]byte, 0, 4+len(label)+4+len(name)+8)
	b = binary.BigEndian.AppendUint32(b, uint32(len(label)))
	b = append(b, label...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	b = append(b, name...)
	return binary.BigEndian.AppendUint64(b, uint64(version))
}

// sealed is one encrypted version, ready for the store.
type sealed struct {
	ciphertext, wrapped []byte
	kekID               string
}

// seal encrypts value as version version of name under a fresh AES256-GCM
// data key, and wraps the data key with kek.
func seal(kek *KEK, name string, version int, value []byte) (sealed, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return sealed{}, fmt.Errorf("new data key: %w", err)
	}
	a, err := aead.New(h)
	if err != nil {
		return sealed{}, fmt.Errorf("new data key: %w", err)
	}
	ct, err := a.Encrypt(value, AssociatedData(ValueLabel, name, version))
	if err != nil {
		return sealed{}, fmt.Errorf("encrypt: %w", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf)); err != nil {
		return sealed{}, fmt.Errorf("serialize data key: %w", err)
	}
	dk := buf.Bytes()
	defer clear(dk)
	wrapped, kekID, err := wrap(kek, name, version, dk)
	if err != nil {
		return sealed{}, err
	}
	return sealed{ciphertext: ct, wrapped: wrapped, kekID: kekID}, nil
}

// wrap encrypts a serialized data key with kek and returns the KEKID that
// names the key that wrapped it.
func wrap(kek *KEK, name string, version int, dk []byte) ([]byte, string, error) {
	wrapped, err := kek.aead.Encrypt(dk, AssociatedData(KeyLabel, name, version))
	if err != nil {
		if kek.classify != nil {
			err = kek.classify(err)
		}
		return nil, "", fmt.Errorf("wrap data key: %w", err)
	}
	id, err := kek.wrapID(wrapped)
	if err != nil {
		return nil, "", fmt.Errorf("wrap data key: %w", err)
	}
	return wrapped, id, nil
}

// unwrap returns the serialized data key of a stored version, which the
// caller must clear.
func unwrap(kek *KEK, name string, version int, wrapped []byte) ([]byte, error) {
	dk, err := kek.aead.Decrypt(wrapped, AssociatedData(KeyLabel, name, version))
	if err != nil {
		return nil, kek.classify(err)
	}
	return dk, nil
}

// open decrypts a stored version's ciphertext with its serialized data key.
func open(dk []byte, name string, version int, ciphertext []byte) ([]byte, error) {
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(dk)))
	if err != nil {
		return nil, ErrIntegrity
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, ErrIntegrity
	}
	pt, err := a.Decrypt(ciphertext, AssociatedData(ValueLabel, name, version))
	if err != nil {
		return nil, ErrIntegrity
	}
	return pt, nil
}
