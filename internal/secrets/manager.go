// Package secrets is Palisade's secret store: named, versioned secrets
// (upstream API keys, tool credentials) kept encrypted in the database by
// envelope encryption with Tink, or read from HashiCorp Vault KV.
//
// Each version of a secret has its own AES256-GCM data key. The value is
// encrypted under the data key and the data key is wrapped by the
// key-encryption key (KEK), both with associated data binding the
// secret's name and version (see AssociatedData), so a ciphertext moved
// to another record or version fails to decrypt. The KEK is a Tink keyset
// (a file or an environment variable), a Vault Transit key, or any
// tink.AEAD. The database holds only ciphertexts and wrapped keys.
//
// A Manager without a KEK is sealed: it lists, and disables, but neither
// reads nor writes values. Every read, change and refused read is passed
// to the Audit callback before a value is released or a change stored,
// and is refused if the callback fails.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// MaxValueSize is the largest value a secret may hold.
const MaxValueSize = 64 << 10

// putAttempts bounds how often Put retries when a concurrent writer takes
// the version it was about to store.
const putAttempts = 16

// nameRule is the rule a secret's name must follow.
var nameRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,127}$`)

// ValidName reports whether name follows the naming rule: a letter, then
// up to 127 letters, digits, '_', '.' or '-'.
func ValidName(name string) bool { return nameRule.MatchString(name) }

// Operations an Access records.
const (
	OpRead    = "read"
	OpPut     = "put"
	OpRotate  = "rotate"
	OpDisable = "disable"
	OpRewrap  = "rewrap"
	// OpRefused is a read that was refused; Reason says why.
	OpRefused = "refused"
)

// Outcomes an Access records.
const (
	// OutcomeOK is a read about to release its value, or a change about
	// to be stored.
	OutcomeOK = "ok"
	// OutcomeRefused is an operation refused before anything was
	// released or stored.
	OutcomeRefused = "refused"
	// OutcomeFailed is a change that was audited with OutcomeOK but then
	// failed to be stored.
	OutcomeFailed = "failed"
)

// Access is one audited use of the secret store. It never holds a value
// or key material.
type Access struct {
	// Op is OpRead, OpPut, OpRotate, OpDisable, OpRewrap or OpRefused.
	Op string
	// Name and Version identify the secret version (Version 0: the latest,
	// or all versions for a disable).
	Name    string
	Version int
	// Purpose says where a read value is used ("upstream:hr-agent",
	// "tool:leave-balance", "config").
	Purpose string
	// Actor is who asked (a user, "palisade" for the gateway itself).
	Actor string
	// Outcome is OutcomeOK, OutcomeRefused or OutcomeFailed.
	Outcome string
	// Reason says why an operation was refused or failed, or what a
	// re-wrap did ("keyset:1 -> keyset:2").
	Reason string
}

// Info describes a secret version without its value.
type Info struct {
	Name    string
	Version int
	Enabled bool
	// CreatedAt and CreatedBy say when and by whom the version was stored;
	// DisabledAt when it was disabled (zero while enabled).
	CreatedAt  time.Time
	CreatedBy  string
	DisabledAt time.Time
	// KEKID names the key-encryption key that wraps the version's data key.
	KEKID string
	// Versions is how many versions the secret has, where known (List,
	// ListVersions, Put and Rotate set it).
	Versions int
}

// Options configures a Manager.
type Options struct {
	// Audit is called for every read, put, rotate, disable and re-wrap,
	// and every refused operation, before a value is released or a change
	// stored. When it returns an error the operation fails (with
	// ErrAudit): no value is released without its audit record. Nil
	// audits nothing.
	Audit func(ctx context.Context, a Access) error
	// Now is the clock; the default is time.Now.
	Now func() time.Time
	// Retired are key-encryption keys that only unwrap: the keys a
	// deployment is moving away from. Rewrap moves their data keys to the
	// Manager's KEK.
	Retired []*KEK
}

// Source is a read-only store of secrets kept outside Palisade, such as
// VaultKV. A Manager built with NewFromSource reads from it.
type Source interface {
	// Get returns the current value of the named secret and its version.
	// Errors wrap this package's sentinels (ErrNotFound, ErrDisabled,
	// ErrForbidden, ErrUnavailable).
	Get(ctx context.Context, name string) ([]byte, int, error)
}

// VersionedSource is a Source that can also read older versions.
type VersionedSource interface {
	Source
	// GetVersion returns one version of the named secret.
	GetVersion(ctx context.Context, name string, version int) ([]byte, int, error)
}

// Manager reads and changes secrets, encrypting them for a store.Secrets
// or reading them from a Source. Its methods are safe for concurrent use.
type Manager struct {
	st      store.Secrets
	src     Source
	kek     *KEK
	retired []*KEK
	audit   func(ctx context.Context, a Access) error
	now     func() time.Time
}

// New returns a Manager keeping secrets in st, encrypted under kek. A nil
// kek makes the Manager sealed: List, ListVersions and Disable work, and
// everything that reads or writes a value returns ErrSealed.
func New(st store.Secrets, kek *KEK, opts Options) *Manager {
	m := newManager(opts)
	m.st, m.kek = st, kek
	return m
}

// NewFromSource returns a Manager that reads secrets from src (such as
// VaultKV). Put, Rotate, Disable, Rewrap and List return ErrReadOnly:
// those secrets are managed where they are kept.
func NewFromSource(src Source, opts Options) *Manager {
	m := newManager(opts)
	m.src = src
	return m
}

func newManager(opts Options) *Manager {
	m := &Manager{audit: opts.Audit, now: opts.Now}
	if m.now == nil {
		m.now = time.Now
	}
	for _, k := range opts.Retired {
		if k != nil {
			m.retired = append(m.retired, k)
		}
	}
	return m
}

// Sealed reports whether the Manager has no key-encryption key, and so
// can neither read nor write values.
func (m *Manager) Sealed() bool { return m.src == nil && m.kek == nil }

// record passes a to the Audit callback; a failure wraps ErrAudit.
func (m *Manager) record(ctx context.Context, a Access) error {
	if m.audit == nil {
		return nil
	}
	if err := m.audit(ctx, a); err != nil {
		return fmt.Errorf("%w: %w", ErrAudit, err)
	}
	return nil
}

// refuse audits a refused operation and returns err (joined with the
// audit's own failure, if any).
func (m *Manager) refuse(ctx context.Context, a Access, err error) error {
	a.Outcome, a.Reason = OutcomeRefused, reason(err)
	if aerr := m.record(ctx, a); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// failed audits a change that failed after it was audited as OutcomeOK.
func (m *Manager) failed(ctx context.Context, a Access, err error) error {
	a.Outcome, a.Reason = OutcomeFailed, reason(err)
	if aerr := m.record(ctx, a); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// readOnly returns the error of a change asked of a Source-backed Manager.
func (m *Manager) readOnly() error {
	if s, ok := m.src.(fmt.Stringer); ok {
		return fmt.Errorf("%w (secrets are kept in %s)", ErrReadOnly, s.String())
	}
	return ErrReadOnly
}

// checkName returns ErrInvalidName for a name that breaks the rule. The
// message gives the name's length, not the name: a value pasted by
// mistake as a name must not reach a log.
func checkName(name string) error {
	if ValidName(name) {
		return nil
	}
	return fmt.Errorf("secret name of %d bytes: %w", len(name), ErrInvalidName)
}

func checkValue(value []byte) error {
	if len(value) == 0 || len(value) > MaxValueSize {
		return fmt.Errorf("value of %d bytes: %w", len(value), ErrInvalidValue)
	}
	return nil
}

// Get returns the value of the latest enabled version of the named secret
// and its Info. purpose says where the value will be used
// ("upstream:hr-agent", "tool:leave-balance") and actor who asks; both are
// audited. The value is the caller's copy: clear it after use.
func (m *Manager) Get(ctx context.Context, name, purpose, actor string) ([]byte, Info, error) {
	return m.read(ctx, name, 0, purpose, actor)
}

// GetVersion is Get for one version (which must be enabled). Version 0 is
// the latest enabled version.
func (m *Manager) GetVersion(ctx context.Context, name string, version int, purpose, actor string) ([]byte, Info, error) {
	return m.read(ctx, name, version, purpose, actor)
}

// Resolve returns the value of the named secret as a string, for the
// configuration loader's ${secret:NAME} references. It reads with
// context.Background, purpose "config" and actor "palisade".
func (m *Manager) Resolve(name string) (string, error) {
	v, _, err := m.Get(context.Background(), name, "config", "palisade")
	if err != nil {
		return "", err
	}
	s := string(v)
	clear(v)
	return s, nil
}

func (m *Manager) read(ctx context.Context, name string, version int, purpose, actor string) ([]byte, Info, error) {
	acc := Access{Op: OpRead, Name: name, Version: version, Purpose: purpose, Actor: actor}
	value, info, err := m.load(ctx, name, version)
	if err != nil {
		acc.Op = OpRefused
		if !ValidName(name) {
			acc.Name = "" // never audit what may be a value pasted as a name
		}
		return nil, Info{}, m.refuse(ctx, acc, err)
	}
	acc.Version, acc.Outcome = info.Version, OutcomeOK
	if err := m.record(ctx, acc); err != nil {
		clear(value)
		return nil, Info{}, fmt.Errorf("secret %q version %d: %w", name, info.Version, err)
	}
	return value, info, nil
}

// load returns the plaintext and Info of a version; version 0 means the
// latest enabled one.
func (m *Manager) load(ctx context.Context, name string, version int) ([]byte, Info, error) {
	if err := checkName(name); err != nil {
		return nil, Info{}, err
	}
	if version < 0 {
		return nil, Info{}, fmt.Errorf("secret %q version %d: %w", name, version, ErrNotFound)
	}
	if m.src != nil {
		return m.loadSource(ctx, name, version)
	}
	if m.kek == nil {
		return nil, Info{}, fmt.Errorf("secret %q: %w", name, ErrSealed)
	}
	v, err := m.pick(ctx, name, version)
	if err != nil {
		return nil, Info{}, err
	}
	pt, err := m.decrypt(v)
	if err != nil {
		return nil, Info{}, err
	}
	return pt, infoOf(v), nil
}

// pick returns the stored version asked for, refusing a disabled one.
func (m *Manager) pick(ctx context.Context, name string, version int) (store.SecretVersion, error) {
	v, err := m.st.GetSecretVersion(ctx, name, version)
	if err != nil {
		return store.SecretVersion{}, fmt.Errorf("secret %q: %w", name, storeErr(err))
	}
	if !v.Disabled {
		return v, nil
	}
	if version != 0 {
		return store.SecretVersion{}, fmt.Errorf("secret %q version %d: %w", name, version, ErrDisabled)
	}
	// The latest is disabled: fall back to the latest enabled version.
	all, err := m.st.ListSecretVersions(ctx, name)
	if err != nil {
		return store.SecretVersion{}, fmt.Errorf("secret %q: %w", name, storeErr(err))
	}
	for i := len(all) - 1; i >= 0; i-- {
		if !all[i].Disabled {
			return all[i], nil
		}
	}
	return store.SecretVersion{}, fmt.Errorf("secret %q: every version is disabled: %w", name, ErrDisabled)
}

// kekFor returns the loaded KEK that can unwrap data keys stored with
// kekID, or an ErrKeyVersion naming kekID.
func (m *Manager) kekFor(v store.SecretVersion) (*KEK, error) {
	if m.kek.has(v.KEKID) {
		return m.kek, nil
	}
	for _, k := range m.retired {
		if k.has(v.KEKID) {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secret %q version %d: its data key is wrapped by %q, but the loaded key-encryption key has %s: %w",
		v.Name, v.Version, v.KEKID, m.kek.keys, ErrKeyVersion)
}

// decrypt unwraps a version's data key and decrypts its value.
func (m *Manager) decrypt(v store.SecretVersion) ([]byte, error) {
	k, err := m.kekFor(v)
	if err != nil {
		return nil, err
	}
	dk, err := unwrap(k, v.Name, v.Version, v.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("secret %q version %d: data key: %w", v.Name, v.Version, err)
	}
	defer clear(dk)
	pt, err := open(dk, v.Name, v.Version, v.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("secret %q version %d: value: %w", v.Name, v.Version, err)
	}
	return pt, nil
}

func (m *Manager) loadSource(ctx context.Context, name string, version int) ([]byte, Info, error) {
	var (
		value []byte
		got   int
		err   error
	)
	if version == 0 {
		value, got, err = m.src.Get(ctx, name)
	} else if vs, ok := m.src.(VersionedSource); ok {
		value, got, err = vs.GetVersion(ctx, name, version)
	} else {
		err = fmt.Errorf("secret %q: the source keeps no older versions: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, Info{}, err
	}
	if err := checkValue(value); err != nil {
		clear(value)
		return nil, Info{}, fmt.Errorf("secret %q version %d: %w", name, got, err)
	}
	return value, Info{Name: name, Version: got, Enabled: true}, nil
}

// Put stores value as a new version of the named secret, version 1 if it
// does not exist yet, and returns its Info. Concurrent Puts of one name
// get distinct, consecutive versions.
func (m *Manager) Put(ctx context.Context, name string, value []byte, actor string) (Info, error) {
	return m.put(ctx, OpPut, name, value, actor)
}

// Rotate is Put for a secret that must exist already: it returns
// ErrNotFound rather than creating one, so a typo in the name cannot
// create a new secret.
func (m *Manager) Rotate(ctx context.Context, name string, value []byte, actor string) (Info, error) {
	return m.put(ctx, OpRotate, name, value, actor)
}

func (m *Manager) put(ctx context.Context, op, name string, value []byte, actor string) (Info, error) {
	acc := Access{Op: op, Name: name, Actor: actor}
	if !ValidName(name) {
		acc.Name = ""
	}
	if err := m.checkWritable(name, value); err != nil {
		return Info{}, m.refuse(ctx, acc, err)
	}
	for range putAttempts {
		next := 1
		latest, err := m.st.GetSecretVersion(ctx, name, 0)
		switch {
		case err == nil:
			next = latest.Version + 1
		case !errors.Is(err, store.ErrNotFound):
			return Info{}, m.refuse(ctx, acc, fmt.Errorf("secret %q: %w", name, storeErr(err)))
		case op == OpRotate:
			return Info{}, m.refuse(ctx, acc, fmt.Errorf("secret %q: rotate needs an existing secret (use put to create it): %w", name, ErrNotFound))
		}
		acc.Version = next
		s, err := seal(m.kek, name, next, value)
		if err != nil {
			return Info{}, m.refuse(ctx, acc, fmt.Errorf("secret %q version %d: %w", name, next, err))
		}
		v := store.SecretVersion{
			Name: name, Version: next,
			Ciphertext: s.ciphertext, WrappedKey: s.wrapped, KEKID: s.kekID,
			CreatedAt: m.now().UTC().Truncate(time.Microsecond), CreatedBy: actor,
		}
		acc.Outcome, acc.Reason = OutcomeOK, ""
		if err := m.record(ctx, acc); err != nil {
			return Info{}, fmt.Errorf("secret %q version %d: %w", name, next, err)
		}
		err = m.st.PutSecretVersion(ctx, v)
		if err == nil {
			info := infoOf(v)
			info.Versions = next
			return info, nil
		}
		taken := errors.Is(err, store.ErrAlreadyExists)
		err = fmt.Errorf("secret %q version %d: %w", name, next, storeErr(err))
		if ferr := m.failed(ctx, acc, err); !taken || errors.Is(ferr, ErrAudit) {
			return Info{}, ferr
		}
		// A concurrent writer took this version: try the next one.
	}
	return Info{}, fmt.Errorf("secret %q: gave up after %d concurrent writers took each next version: %w", name, putAttempts, ErrUnavailable)
}

// checkWritable refuses a put or rotate that cannot proceed.
func (m *Manager) checkWritable(name string, value []byte) error {
	if m.src != nil {
		return m.readOnly()
	}
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkValue(value); err != nil {
		return err
	}
	if m.kek == nil {
		return fmt.Errorf("secret %q: %w", name, ErrSealed)
	}
	return nil
}

// Disable disables one version of the named secret, or every version when
// version is 0. A disabled version is never returned again; disabling is
// idempotent and cannot be undone (store a new version instead). It works
// on a sealed Manager.
func (m *Manager) Disable(ctx context.Context, name string, version int, actor string) error {
	acc := Access{Op: OpDisable, Name: name, Version: version, Actor: actor}
	if m.src != nil {
		return m.refuse(ctx, acc, m.readOnly())
	}
	if err := checkName(name); err != nil {
		acc.Name = ""
		return m.refuse(ctx, acc, err)
	}
	var targets []int
	if version == 0 {
		all, err := m.st.ListSecretVersions(ctx, name)
		if err != nil {
			return m.refuse(ctx, acc, fmt.Errorf("secret %q: %w", name, storeErr(err)))
		}
		if len(all) == 0 {
			return m.refuse(ctx, acc, fmt.Errorf("secret %q: %w", name, ErrNotFound))
		}
		for _, v := range all {
			targets = append(targets, v.Version)
		}
	} else {
		if _, err := m.st.GetSecretVersion(ctx, name, version); err != nil {
			return m.refuse(ctx, acc, fmt.Errorf("secret %q version %d: %w", name, version, storeErr(err)))
		}
		targets = []int{version}
	}
	acc.Outcome = OutcomeOK
	if err := m.record(ctx, acc); err != nil {
		return fmt.Errorf("secret %q: %w", name, err)
	}
	at := m.now().UTC().Truncate(time.Microsecond)
	for _, v := range targets {
		if err := m.st.DisableSecretVersion(ctx, name, v, at); err != nil {
			return m.failed(ctx, acc, fmt.Errorf("secret %q version %d: %w", name, v, storeErr(err)))
		}
	}
	return nil
}

// Rewrap re-wraps every data key that is not wrapped by the current
// primary of the Manager's KEK (after RotateKeyset, a Vault Transit key
// rotation, or with Options.Retired keys), and returns how many it
// re-wrapped. Values are not decrypted; the data keys are unwrapped and
// wrapped again. It goes on past a version it cannot re-wrap and returns
// the joined errors; a version re-wrapped meanwhile by another replica is
// skipped. Each re-wrap is audited.
func (m *Manager) Rewrap(ctx context.Context, actor string) (int, error) {
	acc := Access{Op: OpRewrap, Actor: actor}
	if m.src != nil {
		return 0, m.refuse(ctx, acc, m.readOnly())
	}
	if m.kek == nil {
		return 0, m.refuse(ctx, acc, ErrSealed)
	}
	primary, err := m.kek.primary()
	if err != nil {
		return 0, m.refuse(ctx, acc, fmt.Errorf("current key-encryption key: %w", err))
	}
	all, err := m.st.ListSecretVersions(ctx, "")
	if err != nil {
		return 0, m.refuse(ctx, acc, storeErr(err))
	}
	n := 0
	var errs []error
	for _, v := range all {
		if v.KEKID == primary {
			continue
		}
		done, err := m.rewrapOne(ctx, actor, v)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if done {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// rewrapOne re-wraps one version's data key with the current KEK. It
// reports false, without error, when another replica re-wrapped it first.
func (m *Manager) rewrapOne(ctx context.Context, actor string, v store.SecretVersion) (bool, error) {
	acc := Access{Op: OpRewrap, Name: v.Name, Version: v.Version, Actor: actor}
	k, err := m.kekFor(v)
	if err != nil {
		return false, m.refuse(ctx, acc, err)
	}
	dk, err := unwrap(k, v.Name, v.Version, v.WrappedKey)
	if err != nil {
		return false, m.refuse(ctx, acc, fmt.Errorf("secret %q version %d: data key: %w", v.Name, v.Version, err))
	}
	wrapped, kekID, err := wrap(m.kek, v.Name, v.Version, dk)
	clear(dk)
	if err != nil {
		return false, m.refuse(ctx, acc, fmt.Errorf("secret %q version %d: %w", v.Name, v.Version, err))
	}
	if kekID == v.KEKID {
		return false, nil
	}
	acc.Outcome, acc.Reason = OutcomeOK, v.KEKID+" -> "+kekID
	if err := m.record(ctx, acc); err != nil {
		return false, fmt.Errorf("secret %q version %d: %w", v.Name, v.Version, err)
	}
	err = m.st.RewrapSecretVersion(ctx, v.Name, v.Version, v.KEKID, wrapped, kekID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrConflict):
		_ = m.failed(ctx, acc, err) // re-wrapped by another replica: nothing lost
		return false, nil
	}
	return false, m.failed(ctx, acc, fmt.Errorf("secret %q version %d: %w", v.Name, v.Version, storeErr(err)))
}

// List returns the Info of every secret, ordered by name: the version Get
// would return (the latest enabled one, or the latest if every version is
// disabled, with Enabled false) and how many versions it has. It returns
// no values and works on a sealed Manager.
func (m *Manager) List(ctx context.Context) ([]Info, error) {
	all, err := m.listAll(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []Info
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].Name == all[i].Name {
			j++
		}
		group := all[i:j]
		pick := group[len(group)-1]
		for k := len(group) - 1; k >= 0; k-- {
			if !group[k].Disabled {
				pick = group[k]
				break
			}
		}
		info := infoOf(pick)
		info.Versions = len(group)
		out = append(out, info)
		i = j
	}
	return out, nil
}

// ListVersions returns the Info of every version of the named secret,
// oldest first, or ErrNotFound. It returns no values.
func (m *Manager) ListVersions(ctx context.Context, name string) ([]Info, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	all, err := m.listAll(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("secret %q: %w", name, ErrNotFound)
	}
	out := make([]Info, len(all))
	for i, v := range all {
		out[i] = infoOf(v)
		out[i].Versions = len(all)
	}
	return out, nil
}

func (m *Manager) listAll(ctx context.Context, name string) ([]store.SecretVersion, error) {
	if m.src != nil {
		return nil, m.readOnly()
	}
	all, err := m.st.ListSecretVersions(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", storeErr(err))
	}
	slices.SortStableFunc(all, func(a, b store.SecretVersion) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		return a.Version - b.Version
	})
	return all, nil
}

func infoOf(v store.SecretVersion) Info {
	return Info{
		Name: v.Name, Version: v.Version, Enabled: !v.Disabled,
		CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, DisabledAt: v.DisabledAt,
		KEKID: v.KEKID,
	}
}
