package localidp

import (
	"context"
	_ "embed" // passkey.js
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/palisade-gw/palisade/internal/store"
)

// Passkey limits.
const (
	// MaxPasskeys is how many passkeys one user may register.
	MaxPasskeys = 10
	// ceremonyTTL is how long a passkey challenge can be answered.
	ceremonyTTL = 5 * time.Minute
	// maxPasskeyName bounds the name a user gives a passkey, in runes.
	maxPasskeyName = 64
	// passkeyScriptPath serves the login page's only script.
	passkeyScriptPath = "/passkey.js"
)

// amrPasskey is the amr of a sign-in with a user-verified passkey (RFC
// 8176): proof of possession of a hardware-bound key ("hwk"), the user's
// presence ("user"), and, since the authenticator verified the user with
// a PIN or biometric, more than one factor ("mfa").
var amrPasskey = []string{"hwk", "user", "mfa"}

//go:embed passkey.js
var passkeyScript []byte

// Passkey describes one of a user's passkeys (WebAuthn credentials). Its
// public key is left out.
type Passkey struct {
	// ID is the credential ID, base64url without padding.
	ID   string
	Name string
	// AAGUID identifies the authenticator model; the zero UUID when the
	// authenticator does not say.
	AAGUID     string
	Transports []string
	// BackupEligible says the passkey may be synced to other devices;
	// BackupState that it is.
	BackupEligible bool
	BackupState    bool
	SignCount      uint32
	CreatedAt      time.Time
	// LastUsedAt is zero until the first sign-in with the passkey.
	LastUsedAt time.Time
}

// passkeyRecord is a passkey as kept in store.User.Passkeys (a JSON
// array of them).
type passkeyRecord struct {
	ID                []byte    `json:"id"`
	PublicKey         []byte    `json:"publicKey"`
	AttestationType   string    `json:"attestationType,omitempty"`
	AttestationFormat string    `json:"attestationFormat,omitempty"`
	AAGUID            []byte    `json:"aaguid,omitempty"`
	Transports        []string  `json:"transports,omitempty"`
	SignCount         uint32    `json:"signCount"`
	UserVerified      bool      `json:"userVerified"`
	BackupEligible    bool      `json:"backupEligible"`
	BackupState       bool      `json:"backupState"`
	Name              string    `json:"name"`
	CreatedAt         time.Time `json:"createdAt"`
	LastUsedAt        time.Time `json:"lastUsedAt,omitzero"`
}

// decodePasskeys reads store.User.Passkeys.
func decodePasskeys(s string) ([]passkeyRecord, error) {
	if s == "" {
		return nil, nil
	}
	var recs []passkeyRecord
	if err := json.Unmarshal([]byte(s), &recs); err != nil {
		return nil, fmt.Errorf("localidp: the stored passkeys: %w", err)
	}
	return recs, nil
}

// encodePasskeys writes store.User.Passkeys: "" for none.
func encodePasskeys(recs []passkeyRecord) (string, error) {
	if len(recs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return "", fmt.Errorf("localidp: encode the passkeys: %w", err)
	}
	return string(b), nil
}

func (r passkeyRecord) public() Passkey {
	aaguid := uuid.Nil
	if len(r.AAGUID) == 16 {
		aaguid = uuid.UUID(r.AAGUID)
	}
	return Passkey{
		ID: base64.RawURLEncoding.EncodeToString(r.ID), Name: r.Name, AAGUID: aaguid.String(),
		Transports: slices.Clone(r.Transports), BackupEligible: r.BackupEligible, BackupState: r.BackupState,
		SignCount: r.SignCount, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt,
	}
}

// credential is the record as the webauthn library wants it.
func (r passkeyRecord) credential() webauthn.Credential {
	flags := protocol.FlagUserPresent
	if r.UserVerified {
		flags |= protocol.FlagUserVerified
	}
	if r.BackupEligible {
		flags |= protocol.FlagBackupEligible
	}
	if r.BackupState {
		flags |= protocol.FlagBackupState
	}
	var transports []protocol.AuthenticatorTransport
	for _, t := range r.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: r.ID, PublicKey: r.PublicKey, AttestationType: r.AttestationType, AttestationFormat: r.AttestationFormat,
		Transport: transports, Flags: webauthn.NewCredentialFlags(flags),
		Authenticator: webauthn.Authenticator{AAGUID: r.AAGUID, SignCount: r.SignCount},
	}
}

// newPasskeyRecord makes the record of a credential just registered.
func newPasskeyRecord(c *webauthn.Credential, name string, now time.Time) passkeyRecord {
	var transports []string
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	return passkeyRecord{
		ID: c.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		AAGUID: c.Authenticator.AAGUID, Transports: transports, SignCount: c.Authenticator.SignCount,
		UserVerified: c.Flags.UserVerified, BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		Name: name, CreatedAt: now.UTC(),
	}
}

// passkeyName cleans the name a user gave a passkey.
func passkeyName(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if utf8.RuneCountInString(s) > maxPasskeyName {
		s = string([]rune(s)[:maxPasskeyName])
	}
	if s == "" {
		s = "Passkey"
	}
	return s
}

// waUser is a user as the webauthn library sees it. The user handle is
// the username: it is at most 64 bytes, never changes, and a deleted and
// re-created user starts without the old user's passkeys, so an old
// credential naming it is still refused.
type waUser struct {
	name, display string
	creds         []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return []byte(u.name) }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.display }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// newWAUser builds the webauthn user of a stored user.
func newWAUser(u store.User) (*waUser, error) {
	recs, err := decodePasskeys(u.Passkeys)
	if err != nil {
		return nil, err
	}
	w := &waUser{name: u.Username, display: u.DisplayName}
	if w.display == "" {
		w.display = u.Username
	}
	for _, r := range recs {
		w.creds = append(w.creds, r.credential())
	}
	return w, nil
}

// Passkeys returns the user's passkeys, oldest first.
func (d *Directory) Passkeys(ctx context.Context, username string) ([]Passkey, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return nil, err
	}
	u, err := d.st.GetUser(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("localidp: %w", err)
	}
	recs, err := decodePasskeys(u.Passkeys)
	if err != nil {
		return nil, err
	}
	out := make([]Passkey, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.public())
	}
	return out, nil
}

// RemovePasskey removes the user's passkey with the ID (as Passkey.ID
// gives it). Returns an error wrapping store.ErrNotFound if the user has
// no such passkey.
func (d *Directory) RemovePasskey(ctx context.Context, username, id string) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil || len(raw) == 0 {
		return fmt.Errorf("localidp: passkey ID %q: want the base64url ID the passkey list shows: %w", id, store.ErrNotFound)
	}
	return d.update(ctx, username, func(u *store.User) error {
		recs, err := decodePasskeys(u.Passkeys)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(recs, func(r passkeyRecord) bool { return string(r.ID) == string(raw) })
		if i < 0 {
			return fmt.Errorf("no passkey %q: %w", id, store.ErrNotFound)
		}
		u.Passkeys, err = encodePasskeys(slices.Delete(recs, i, i+1))
		return err
	})
}

// canSignIn refuses (ErrInvalidCredentials) a user disabled or locked
// since the start of a sign-in.
func (d *Directory) canSignIn(ctx context.Context, name string) (string, error) {
	u, err := d.st.GetUser(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return reasonUnknownUser, ErrInvalidCredentials
	case err != nil:
		return reasonStore, fmt.Errorf("localidp: %w", err)
	case u.Disabled:
		return reasonDisabled, ErrInvalidCredentials
	case d.now().Before(u.LockedUntil):
		return reasonLocked, ErrInvalidCredentials
	}
	return "", nil
}

// addPasskey stores a passkey the user just registered. It is refused
// (ErrInvalidCredentials) if the user has been disabled or locked since
// signing in, already has the credential or has MaxPasskeys.
func (d *Directory) addPasskey(ctx context.Context, name string, rec passkeyRecord) (string, error) {
	now := d.now()
	reason := ""
	err := d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		recs, err := decodePasskeys(u.Passkeys)
		switch {
		case err != nil:
			reason = reasonBadRecord
		case u.Disabled:
			reason = reasonDisabled
		case now.Before(u.LockedUntil):
			reason = reasonLocked
		case len(recs) >= MaxPasskeys:
			reason = reasonTooManyPasskeys
		case slices.ContainsFunc(recs, func(r passkeyRecord) bool { return string(r.ID) == string(rec.ID) }):
			reason = reasonBadPasskey
		}
		if reason != "" {
			return u, ErrInvalidCredentials
		}
		if u.Passkeys, err = encodePasskeys(append(recs, rec)); err != nil {
			reason = reasonBadRecord
			return u, ErrInvalidCredentials
		}
		u.UpdatedAt = now.UTC()
		return u, nil
	})
	if reason != "" {
		return reason, ErrInvalidCredentials
	}
	if err != nil {
		return reasonStore, fmt.Errorf("localidp: add a passkey: %w", err)
	}
	return "", nil
}

// usePasskey records a verified passkey sign-in: the new sign count,
// backup state and time of use, and a reset of the failure count. In the
// same transaction it refuses (ErrInvalidCredentials) a user disabled or
// locked, a passkey removed, and a sign count that did not grow past the
// stored one (a cloned authenticator, or a concurrent use of the same
// assertion's counter).
func (d *Directory) usePasskey(ctx context.Context, name string, cred *webauthn.Credential, flags protocol.AuthenticatorFlags) (string, error) {
	now := d.now()
	reason := ""
	err := d.st.UpdateUser(ctx, name, func(u store.User) (store.User, error) {
		recs, err := decodePasskeys(u.Passkeys)
		i := -1
		if err == nil {
			i = slices.IndexFunc(recs, func(r passkeyRecord) bool { return string(r.ID) == string(cred.ID) })
		}
		switch {
		case err != nil:
			reason = reasonBadRecord
		case u.Disabled:
			reason = reasonDisabled
		case now.Before(u.LockedUntil):
			reason = reasonLocked
		case i < 0:
			reason = reasonBadPasskey
		case (cred.Authenticator.SignCount != 0 || recs[i].SignCount != 0) && cred.Authenticator.SignCount <= recs[i].SignCount:
			reason = reasonPasskeyClone
		}
		if reason != "" {
			return u, ErrInvalidCredentials
		}
		recs[i].SignCount = cred.Authenticator.SignCount
		recs[i].BackupState = flags.HasBackupState()
		recs[i].LastUsedAt = now.UTC()
		if u.Passkeys, err = encodePasskeys(recs); err != nil {
			reason = reasonBadRecord
			return u, ErrInvalidCredentials
		}
		u.FailedAttempts, u.LockedUntil = 0, time.Time{}
		u.UpdatedAt = now.UTC()
		return u, nil
	})
	if reason != "" {
		return reason, ErrInvalidCredentials
	}
	if err != nil {
		return reasonStore, fmt.Errorf("localidp: record a passkey sign-in: %w", err)
	}
	return "", nil
}

// newWebAuthn returns the relying party of the issuer's passkeys: RP ID
// the issuer's host name, origin the issuer's origin. It returns nil for
// an issuer on an IP address, which WebAuthn does not allow as an RP ID:
// the provider then offers no passkeys.
func newWebAuthn(iss *url.URL) (*webauthn.WebAuthn, error) {
	host := iss.Hostname()
	if net.ParseIP(host) != nil {
		return nil, nil
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  host,
		RPDisplayName:         "Palisade",
		RPOrigins:             []string{iss.Scheme + "://" + iss.Host},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: ceremonyTTL, TimeoutUVD: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Timeout: ceremonyTTL, TimeoutUVD: ceremonyTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("localidp: passkeys for %s: %w", host, err)
	}
	return wa, nil
}

// ceremony is a passkey challenge the provider issued: kept with the
// authorization request, answered at most once, until expires.
type ceremony struct {
	session webauthn.SessionData
	options string // the JSON the page hands to navigator.credentials
	expires time.Time
}

// beginPasskeyLogin issues the challenge of a passkey sign-in:
// discoverable credentials, user verification required.
func (p *Provider) beginPasskeyLogin(now time.Time) (*ceremony, error) {
	assertion, session, err := p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, fmt.Errorf("localidp: begin a passkey sign-in: %w", err)
	}
	return newCeremony(assertion, session, now)
}

// beginPasskeyRegistration issues the challenge of a new passkey of u,
// excluding the passkeys u has.
func (p *Provider) beginPasskeyRegistration(u *waUser, now time.Time) (*ceremony, error) {
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := p.wa.BeginRegistration(u, webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationRequired,
		}))
	if err != nil {
		return nil, fmt.Errorf("localidp: begin a passkey registration: %w", err)
	}
	return newCeremony(creation, session, now)
}

func newCeremony(options any, session *webauthn.SessionData, now time.Time) (*ceremony, error) {
	b, err := json.Marshal(options)
	if err != nil {
		return nil, fmt.Errorf("localidp: encode the passkey options: %w", err)
	}
	return &ceremony{session: *session, options: string(b), expires: now.Add(ceremonyTTL)}, nil
}

// passkeyLoginPost checks a passkey assertion: the answer to the
// challenge of the request's password page, for a credential the user
// handle's user has, from an authenticator that verified the user and
// whose sign count grew. It completes the sign-in with amrPasskey.
func (p *Provider) passkeyLoginPost(w http.ResponseWriter, r *http.Request, id, browser string, c *ceremony, ev SignInEvent) {
	ctx := r.Context()
	fail := func(reason string, err error) {
		ev.Reason = reason
		p.emit(ctx, ev)
		p.failed(w, id, browser, err, msgPasskeyFailed, "")
	}
	if c == nil || !p.now().Before(c.expires) {
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(r.PostForm.Get("credential")))
	if err != nil {
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	}
	var (
		stored      store.User
		lookupErr   error
		lookupWhy   string
		handleValid bool
	)
	handler := func(_, userHandle []byte) (webauthn.User, error) {
		name, err := NormalizeUsername(string(userHandle))
		if err != nil || name != string(userHandle) {
			lookupWhy = reasonUnknownUser
			return nil, errors.New("unknown user handle")
		}
		ev.Username = name
		handleValid = true
		u, err := p.dir.st.GetUser(ctx, name)
		if err != nil {
			lookupWhy, lookupErr = reasonUnknownUser, err
			if !errors.Is(err, store.ErrNotFound) {
				lookupWhy = reasonStore
			}
			return nil, err
		}
		stored = u
		wu, err := newWAUser(u)
		if err != nil {
			lookupWhy = reasonBadRecord
			return nil, err
		}
		return wu, nil
	}
	_, cred, err := p.wa.ValidatePasskeyLogin(handler, c.session, parsed)
	switch {
	case lookupWhy == reasonStore:
		fail(reasonStore, fmt.Errorf("localidp: %w", lookupErr))
		return
	case lookupWhy != "":
		fail(lookupWhy, ErrInvalidCredentials)
		return
	case err != nil || !handleValid:
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	case !parsed.Response.AuthenticatorData.Flags.HasUserVerified():
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	case cred.Authenticator.CloneWarning:
		fail(reasonPasskeyClone, ErrInvalidCredentials)
		return
	case stored.Disabled:
		fail(reasonDisabled, ErrInvalidCredentials)
		return
	case p.now().Before(stored.LockedUntil):
		fail(reasonLocked, ErrInvalidCredentials)
		return
	}
	if reason, err := p.dir.usePasskey(ctx, stored.Username, cred, parsed.Response.AuthenticatorData.Flags); err != nil {
		fail(reason, err)
		return
	}
	p.complete(w, r, id, stored.Username, slices.Clone(amrPasskey), ev)
}

// passkeyRegisterPost takes the answer to the registration step that
// follows a multi-factor sign-in: a new passkey of the signed-in user,
// or a skip. Either way the sign-in then completes with the amr of the
// sign-in itself.
func (p *Provider) passkeyRegisterPost(w http.ResponseWriter, r *http.Request, id, browser string, c *ceremony, u *waUser, amr []string, ev SignInEvent) {
	ctx := r.Context()
	ev.Username = u.name
	fail := func(reason string, err error) {
		ev.Reason = reason
		p.emit(ctx, ev)
		p.failed(w, id, browser, err, msgPasskeyAddFailed, "")
	}
	if r.PostForm.Get("skip") != "" {
		// The step may have taken minutes: the account must still be
		// able to sign in.
		if reason, err := p.dir.canSignIn(ctx, u.name); err != nil {
			fail(reason, err)
			return
		}
		p.complete(w, r, id, u.name, amr, ev)
		return
	}
	if c == nil || !p.now().Before(c.expires) {
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.PostForm.Get("credential")))
	if err != nil {
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	}
	cred, err := p.wa.CreateCredential(u, c.session, parsed)
	if err != nil || !cred.Flags.UserVerified {
		fail(reasonBadPasskey, ErrInvalidCredentials)
		return
	}
	rec := newPasskeyRecord(cred, passkeyName(r.PostForm.Get("name")), p.now())
	if reason, err := p.dir.addPasskey(ctx, u.name, rec); err != nil {
		fail(reason, err)
		return
	}
	p.complete(w, r, id, u.name, amr, ev)
}

// startPasskeyRegistration follows a multi-factor sign-in whose user
// asked to add a passkey: it shows the registration step instead of
// completing the sign-in.
func (p *Provider) startPasskeyRegistration(w http.ResponseWriter, r *http.Request, id, browser, username string, amr []string, ev SignInEvent) {
	ctx := r.Context()
	u, err := p.dir.st.GetUser(ctx, username)
	var wu *waUser
	if err == nil {
		wu, err = newWAUser(u)
	}
	if err != nil {
		// The sign-in itself succeeded: complete it without the passkey.
		p.complete(w, r, id, username, amr, ev)
		return
	}
	ev.Success = true
	if err := p.emit(ctx, ev); err != nil {
		p.renderPage(w, http.StatusServiceUnavailable, pageView{Error: msgNotRecorded})
		return
	}
	p.mu.Lock()
	a := p.authRequestLocked(id, p.now())
	if a == nil || a.done {
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	a.pendingUser, a.enrollUser, a.enrollAMR = "", wu, amr
	v := p.formView(a, browser)
	p.mu.Unlock()
	p.renderPage(w, http.StatusOK, v)
}

// servePasskeyScript serves passkey.js, the login page's only script.
func (p *Provider) servePasskeyScript(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(passkeyScript)
}
