package secrets

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/palisade-gw/palisade/internal/store"
)

// Errors returned by the Manager, the key-encryption keys and the Vault
// KV source, one per class; compare with errors.Is. Returned errors wrap
// them with the secret's name and version, never with secret material.
var (
	// ErrSealed means no key-encryption key is loaded, so no value can be
	// encrypted or decrypted.
	ErrSealed = errors.New("the secret store is sealed: start Palisade with its key-encryption key (a keyset file, a keyset in an environment variable, or a Vault Transit key) to read or write secrets")
	// ErrNotFound means the secret, or the version asked for, does not exist.
	ErrNotFound = errors.New("no such secret")
	// ErrDisabled means the version asked for is disabled, or every
	// version of the secret is.
	ErrDisabled = errors.New("the secret is disabled: store a new version with 'palisade secrets rotate' to use it again")
	// ErrInvalidName means a name breaks the naming rule: a letter, then
	// up to 127 letters, digits, '_', '.' or '-'.
	ErrInvalidName = errors.New("invalid secret name: it must start with a letter and have at most 128 letters, digits, '_', '.' or '-'")
	// ErrInvalidValue means a value is empty or longer than MaxValueSize.
	ErrInvalidValue = errors.New("invalid secret value: it must be 1 byte to 64 KiB long")
	// ErrIntegrity means decryption failed: the ciphertext or the wrapped
	// data key was altered, moved to another secret or version, or the
	// key-encryption key is not the one that wrapped it.
	ErrIntegrity = errors.New("the secret failed its integrity check: its stored ciphertext or wrapped key was altered, moved from another secret or version, or was wrapped by a different key-encryption key")
	// ErrKeyVersion means the data key was wrapped by a key-encryption key
	// (or key id) that the loaded key-encryption key does not have, for
	// example after the old key was removed from the keyset before
	// 'palisade secrets rewrap' had run.
	ErrKeyVersion = errors.New("the secret's data key is wrapped by a key-encryption key that is not loaded")
	// ErrUnavailable means the database, or the service that holds the
	// key-encryption key or the secrets, could not be reached. It wraps
	// store.ErrUnavailable.
	ErrUnavailable = fmt.Errorf("the secret store is unavailable, try again later: %w", store.ErrUnavailable)
	// ErrForbidden means a secret service (Vault) refused Palisade's
	// credentials.
	ErrForbidden = errors.New("the secret service refused Palisade's credentials: check the Vault token and its policy")
	// ErrReadOnly means the secrets are managed outside Palisade (in
	// Vault) and cannot be changed through it.
	ErrReadOnly = errors.New("the secrets are managed outside Palisade and are read-only here: change them where they are managed")
	// ErrAudit means the access could not be audited, so it was refused:
	// no value is released and no change is stored without its audit
	// record.
	ErrAudit = errors.New("the secret access could not be audited, so it was refused")
)

// storeErr translates an error of the store into this package's classes.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w (%w)", ErrNotFound, err)
	case errors.Is(err, store.ErrUnavailable):
		return fmt.Errorf("%w (%w)", ErrUnavailable, err)
	}
	return err
}

// isTransient reports whether err means a remote service could not be
// reached (as opposed to refusing the request).
func isTransient(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// reason is the short, secret-free reason an Access records for err.
func reason(err error) string {
	for _, c := range []struct {
		err error
		why string
	}{
		{ErrAudit, "audit failed"},
		{ErrSealed, "sealed"},
		{ErrInvalidName, "invalid name"},
		{ErrInvalidValue, "invalid value"},
		{ErrNotFound, "not found"},
		{ErrDisabled, "disabled"},
		{ErrKeyVersion, "key-encryption key not loaded"},
		{ErrIntegrity, "integrity check failed"},
		{ErrForbidden, "forbidden"},
		{ErrReadOnly, "read-only"},
		{ErrUnavailable, "unavailable"},
		{store.ErrConflict, "conflict"},
		{store.ErrAlreadyExists, "version taken by a concurrent writer"},
		{context.Canceled, "canceled"},
		{context.DeadlineExceeded, "deadline exceeded"},
	} {
		if errors.Is(err, c.err) {
			return c.why
		}
	}
	return "error"
}
