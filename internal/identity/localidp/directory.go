package localidp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// Store is what the identity provider keeps in the database: its users,
// and its keys (TOTP sealing, token signing, form protection) under the
// names below, shared by every replica.
type Store interface {
	store.Users
	store.Keys
}

// Names of the keys the identity provider keeps in store.Keys.
const (
	keyTOTPSeal = "localidp-totp-seal"
	keySigning  = "localidp-signing-key"
	// keyWorkload prefixes the ES256 keys of service principals' tokens.
	keyWorkload   = "localidp-workload-signing-key"
	keyCrypto     = "localidp-op-crypto"
	keyFormHMAC   = "localidp-form-hmac"
	symmetricSize = 32
)

// Lockout policy: after MaxFailedAttempts failures in a row a user is
// locked for LockoutBase, and every further failure doubles the lockout,
// up to LockoutMax. A success resets the count.
const (
	MaxFailedAttempts = 5
	LockoutBase       = time.Minute
	LockoutMax        = time.Hour
)

// ErrInvalidCredentials is the one answer to every failed sign-in: an
// unknown user, a wrong password or TOTP code, a replayed code, a
// disabled or locked account. It says nothing about which it was.
var ErrInvalidCredentials = errors.New("localidp: sign-in failed: the username, password or code is incorrect, or the account cannot sign in now")

// ErrInvalidUsername is returned for a username that does not fit the
// rules of usernameRE.
var ErrInvalidUsername = errors.New("localidp: invalid username: use 1-64 of a-z, 0-9, '.', '_', '-' and '@', starting with a letter or digit")

// usernameRE is what a (lower-cased) username may look like.
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// NormalizeUsername returns the canonical form of a username (trimmed,
// lower case), or ErrInvalidUsername.
func NormalizeUsername(username string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(username))
	if !usernameRE.MatchString(u) {
		return "", ErrInvalidUsername
	}
	return u, nil
}

// Account is what the identity provider says about a user: everything
// but the password hash and the TOTP secret.
type Account struct {
	Username    string
	DisplayName string
	Email       string
	Groups      []string
	// TOTP says whether the user has enrolled a TOTP authenticator,
	// which every sign-in then requires.
	TOTP bool
	// Passkeys is how many passkeys the user has registered.
	Passkeys       int
	Disabled       bool
	FailedAttempts int
	LockedUntil    time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func accountOf(u store.User) Account {
	recs, _ := decodePasskeys(u.Passkeys)
	return Account{Passkeys: len(recs),
		Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Groups: slices.Clone(u.Groups),
		TOTP: u.TOTPSecret != "", Disabled: u.Disabled, FailedAttempts: u.FailedAttempts,
		LockedUntil: u.LockedUntil, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// NewUser describes a user to add.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string
	Groups      []string
}

// Directory manages the identity provider's users and checks their
// credentials: passwords (argon2id), TOTP codes (sealed at rest, never
// accepted twice) and the lockout. Its methods are safe for concurrent
// use.
type Directory struct {
	st     Store
	now    func() time.Time
	sealer *sealer
}

// NewDirectory returns the directory of the users in st. clock may be nil
// (time.Now). It loads, or creates, the key that seals TOTP secrets.
func NewDirectory(ctx context.Context, st Store, clock func() time.Time) (*Directory, error) {
	if st == nil {
		return nil, errors.New("localidp: no store")
	}
	if clock == nil {
		clock = time.Now
	}
	key, err := st.LoadOrCreateKey(ctx, keyTOTPSeal, randomBytes(symmetricSize))
	if err != nil {
		return nil, fmt.Errorf("localidp: load the TOTP sealing key: %w", err)
	}
	s, err := newSealer(key)
	if err != nil {
		return nil, fmt.Errorf("localidp: the TOTP sealing key: %w", err)
	}
	return &Directory{st: st, now: clock, sealer: s}, nil
}

// AddUser creates a user with password, which must pass
// CheckPasswordPolicy. Returns an error wrapping store.ErrAlreadyExists
// if the username is taken.
func (d *Directory) AddUser(ctx context.Context, nu NewUser, password string) (Account, error) {
	name, err := NormalizeUsername(nu.Username)
	if err != nil {
		return Account{}, err
	}
	if err := CheckPasswordPolicy(name, password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return Account{}, err
	}
	now := d.now().UTC()
	u := store.User{
		Username: name, DisplayName: strings.TrimSpace(nu.DisplayName), Email: strings.TrimSpace(nu.Email),
		Groups: cleanGroups(nu.Groups), PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if err := d.st.CreateUser(ctx, u); err != nil {
		return Account{}, fmt.Errorf("localidp: add user %q: %w", name, err)
	}
	return accountOf(u), nil
}

// cleanGroups trims, drops empty and duplicate group names, and sorts.
func cleanGroups(groups []string) []string {
	var out []string
	for _, g := range groups {
		if g = strings.TrimSpace(g); g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// Account returns the user's account. Returns an error wrapping
// store.ErrNotFound if there is no such user.
func (d *Directory) Account(ctx context.Context, username string) (Account, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return Account{}, err
	}
	u, err := d.st.GetUser(ctx, name)
	if err != nil {
		return Account{}, fmt.Errorf("localidp: %w", err)
	}
	return accountOf(u), nil
}

// Accounts returns every account, ordered by username.
func (d *Directory) Accounts(ctx context.Context) ([]Account, error) {
	us, err := d.st.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("localidp: %w", err)
	}
	out := make([]Account, 0, len(us))
	for _, u := range us {
		out = append(out, accountOf(u))
	}
	return out, nil
}

// update applies fn to the user, stamping UpdatedAt.
func (d *Directory) update(ctx context.Context, username string, fn func(*store.User) error) error {
	name, err := NormalizeUsername(username)
	if err != nil {
		return err
	}
	now := d.now().UTC()
	err = d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		if err := fn(&u); err != nil {
			return u, err
		}
		u.UpdatedAt = now
		return u, nil
	})
	if err != nil && !errors.Is(err, ErrWeakPassword) {
		return fmt.Errorf("localidp: update user %q: %w", name, err)
	}
	return err
}

// SetPassword replaces the user's password, which must pass
// CheckPasswordPolicy, and clears any lockout.
func (d *Directory) SetPassword(ctx context.Context, username, password string) error {
	name, err := NormalizeUsername(username)
	if err != nil {
		return err
	}
	if err := CheckPasswordPolicy(name, password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return d.update(ctx, name, func(u *store.User) error {
		u.PasswordHash = hash
		u.FailedAttempts = 0
		u.LockedUntil = time.Time{}
		return nil
	})
}

// SetDisabled disables or enables the user. A disabled user cannot sign
// in, nor refresh tokens.
func (d *Directory) SetDisabled(ctx context.Context, username string, disabled bool) error {
	return d.update(ctx, username, func(u *store.User) error {
		u.Disabled = disabled
		return nil
	})
}

// EnrollTOTP gives the user a new TOTP secret, replacing any previous one,
// and returns its otpauth:// URL (which contains the secret: show it to
// the user once, never log it). issuer is the name authenticator apps
// show. From then on every sign-in of the user requires a code.
func (d *Directory) EnrollTOTP(ctx context.Context, username, issuer string) (string, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return "", err
	}
	if issuer == "" {
		issuer = "Palisade"
	}
	secret, url, err := newTOTPKey(issuer, name)
	if err != nil {
		return "", err
	}
	sealed, err := d.sealer.seal(name, secret)
	if err != nil {
		return "", err
	}
	if err := d.update(ctx, name, func(u *store.User) error {
		u.TOTPSecret = sealed
		u.TOTPLastStep = 0
		return nil
	}); err != nil {
		return "", err
	}
	return url, nil
}

// RemoveTOTP removes the user's TOTP authenticator.
func (d *Directory) RemoveTOTP(ctx context.Context, username string) error {
	return d.update(ctx, username, func(u *store.User) error {
		u.TOTPSecret = ""
		u.TOTPLastStep = 0
		return nil
	})
}

// Failure reasons, for the sign-in event only: the user is always told
// ErrInvalidCredentials.
const (
	reasonUnknownUser = "unknown_user"
	reasonBadPassword = "bad_password"
	reasonDisabled    = "disabled"
	reasonLocked      = "locked"
	reasonBadTOTP     = "bad_totp"
	reasonReplay      = "totp_replay"
	reasonNoTOTP      = "no_totp"
	reasonBadRecord   = "bad_record"
	reasonStore       = "store_error"
	// reasonBadPasskey: an assertion or attestation that does not
	// verify, for a credential the user does not have, or a challenge
	// not issued, used or expired.
	reasonBadPasskey      = "bad_passkey"
	reasonPasskeyClone    = "passkey_clone"
	reasonTooManyPasskeys = "too_many_passkeys"
)

// Authenticate checks the user's password. On success it returns the
// account; if Account.TOTP is set the sign-in is not complete until
// VerifyTOTP succeeds too. Every failure is ErrInvalidCredentials, and
// costs one password hash whether or not the user exists. A wrong
// password counts towards the lockout; while locked, even the right
// password is refused. Store failures are returned as they are.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (Account, error) {
	a, _, err := d.authenticate(ctx, username, password)
	return a, err
}

func (d *Directory) authenticate(ctx context.Context, username, password string) (Account, string, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		burnPasswordCheck(password)
		return Account{}, reasonUnknownUser, ErrInvalidCredentials
	}
	u, err := d.st.GetUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		burnPasswordCheck(password)
		return Account{}, reasonUnknownUser, ErrInvalidCredentials
	}
	if err != nil {
		return Account{}, reasonStore, fmt.Errorf("localidp: %w", err)
	}
	// The hash is checked first, whatever the state of the account, so
	// that a disabled or locked account answers as slowly as any other.
	ok, rehash, verr := VerifyPassword(u.PasswordHash, password)
	now := d.now()
	switch {
	case verr != nil:
		return Account{}, reasonBadRecord, ErrInvalidCredentials
	case u.Disabled:
		return Account{}, reasonDisabled, ErrInvalidCredentials
	case now.Before(u.LockedUntil):
		return Account{}, reasonLocked, ErrInvalidCredentials
	case !ok:
		if err := d.recordFailure(ctx, name, now); err != nil {
			return Account{}, reasonStore, err
		}
		return Account{}, reasonBadPassword, ErrInvalidCredentials
	}
	var newHash string
	if rehash {
		if h, err := HashPassword(password); err == nil {
			newHash = h
		}
	}
	// With TOTP the password alone is not a success: the count is reset
	// only once the code is right, or the lockout would not bound guesses
	// of the code.
	reset := u.TOTPSecret == "" && (u.FailedAttempts != 0 || !u.LockedUntil.IsZero())
	if newHash == "" && !reset {
		return accountOf(u), "", nil
	}
	var stored store.User
	reason := ""
	err = d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		switch {
		case u.Disabled:
			reason = reasonDisabled
			return u, ErrInvalidCredentials
		case now.Before(u.LockedUntil):
			reason = reasonLocked
			return u, ErrInvalidCredentials
		}
		if newHash != "" {
			u.PasswordHash = newHash
		}
		if u.TOTPSecret == "" {
			u.FailedAttempts, u.LockedUntil = 0, time.Time{}
		}
		u.UpdatedAt = now.UTC()
		stored = u
		return u, nil
	})
	if reason != "" {
		return Account{}, reason, ErrInvalidCredentials
	}
	if err != nil {
		return Account{}, reasonStore, fmt.Errorf("localidp: %w", err)
	}
	return accountOf(stored), "", nil
}

// VerifyTOTP checks a TOTP code of a user whose password was just
// verified. A code is accepted once: a code of a time step at or before
// the last accepted one is refused, as a replay. A wrong or replayed code
// counts towards the lockout; a right one resets the count. Every failure
// is ErrInvalidCredentials.
func (d *Directory) VerifyTOTP(ctx context.Context, username, code string) error {
	_, err := d.verifyTOTP(ctx, username, code)
	return err
}

func (d *Directory) verifyTOTP(ctx context.Context, username, code string) (string, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return reasonUnknownUser, ErrInvalidCredentials
	}
	u, err := d.st.GetUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return reasonUnknownUser, ErrInvalidCredentials
	}
	if err != nil {
		return reasonStore, fmt.Errorf("localidp: %w", err)
	}
	now := d.now()
	switch {
	case u.Disabled:
		return reasonDisabled, ErrInvalidCredentials
	case now.Before(u.LockedUntil):
		return reasonLocked, ErrInvalidCredentials
	case u.TOTPSecret == "":
		return reasonNoTOTP, ErrInvalidCredentials
	}
	secret, err := d.sealer.open(name, u.TOTPSecret)
	if err != nil {
		return reasonBadRecord, ErrInvalidCredentials
	}
	step, ok := matchTOTP(secret, code, now)
	if !ok {
		if err := d.recordFailure(ctx, name, now); err != nil {
			return reasonStore, err
		}
		return reasonBadTOTP, ErrInvalidCredentials
	}
	reason := ""
	err = d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		switch {
		case u.Disabled:
			reason = reasonDisabled
		case now.Before(u.LockedUntil):
			reason = reasonLocked
		case step <= u.TOTPLastStep:
			reason = reasonReplay
		}
		if reason != "" {
			return u, ErrInvalidCredentials
		}
		u.TOTPLastStep = step
		u.FailedAttempts, u.LockedUntil = 0, time.Time{}
		u.UpdatedAt = now.UTC()
		return u, nil
	})
	if reason == reasonReplay {
		if err := d.recordFailure(ctx, name, now); err != nil {
			return reasonStore, err
		}
	}
	if reason != "" {
		return reason, ErrInvalidCredentials
	}
	if err != nil {
		return reasonStore, fmt.Errorf("localidp: %w", err)
	}
	return "", nil
}

// recordFailure counts a failed sign-in and, from MaxFailedAttempts on,
// locks the user for lockoutFor the count.
func (d *Directory) recordFailure(ctx context.Context, name string, now time.Time) error {
	err := d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		u.FailedAttempts++
		if u.FailedAttempts >= MaxFailedAttempts {
			u.LockedUntil = now.Add(lockoutFor(u.FailedAttempts)).UTC()
		}
		u.UpdatedAt = now.UTC()
		return u, nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("localidp: record a failed sign-in: %w", err)
	}
	return nil
}

// lockoutFor returns how long failures failed sign-ins in a row lock a
// user: nothing below MaxFailedAttempts, then LockoutBase doubling with
// every further failure, at most LockoutMax.
func lockoutFor(failures int) time.Duration {
	if failures < MaxFailedAttempts {
		return 0
	}
	shift := failures - MaxFailedAttempts
	if shift > 10 {
		return LockoutMax
	}
	return min(LockoutBase<<shift, LockoutMax)
}

// randomBytes returns n bytes from crypto/rand, which never fails.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
