// Package localidp is Palisade's built-in identity provider, the embedded
// default: an OpenID provider for the users kept in Palisade's own store.
//
// The protocol is not written here: it is github.com/zitadel/oidc/v3/pkg/op,
// a certified OpenID provider library, and this package supplies what it
// leaves to its user: the storage of requests and tokens (op.Storage),
// the users and their credentials (Directory), and the login pages.
//
// # The flow
//
//  1. A relying party (Palisade's gateway, through the same go-oidc code
//     it uses for any IdP) sends the browser to /authorize with
//     response_type=code, PKCE (code_challenge_method=S256; required of
//     public clients, plain refused for all), state and nonce. zitadel
//     checks the client and the exact redirect_uri; the provider keeps
//     the request in memory for ten minutes under an unguessable ID and
//     redirects to /login.
//  2. /login binds the request to the browser with a cookie on first view
//     and shows a form (html/template, no script but passkey.js (see
//     Passkeys), a strict
//     Content-Security-Policy, X-Frame-Options: DENY) carrying a CSRF
//     token: an HMAC over the step, the request ID and the cookie. The
//     user gives a username and password, checked by Directory against an
//     argon2id hash; unknown users cost a dummy hash, and every failure
//     gives the same message. A user with TOTP then gives a code (RFC
//     6238, SHA-1, 6 digits, 30 s, one step of skew), accepted only once.
//     Failed answers count towards a lockout that doubles from one minute
//     to an hour after five failures; during it even the right password
//     is refused.
//  3. The request is marked signed in (amr ["pwd"], or ["pwd","otp"]) and
//     the browser goes to /authorize/callback (same browser only), where
//     zitadel issues a code, valid once for a minute, to the redirect_uri
//     with the state.
//  4. The relying party exchanges the code at /oauth/token with its
//     code_verifier (and secret, if confidential) for an ID token, an
//     access token and, with offline_access, a refresh token. Access
//     tokens are JWTs signed RS256 (or ES256 with a P-256 key) with the key published at
//     /keys, carrying iss, sub (the username), aud (the client and its
//     configured audiences), exp, iat, client_id, amr, groups and name,
//     so Palisade's bearer verifier can check them offline. Their typ
//     header is "JWT": zitadel hard-codes it, so RFC 9068's "at+jwt"
//     cannot be set.
//  5. Refresh tokens rotate on each use; a used one presented again
//     revokes its whole family, as does a disabled or deleted user.
//     /end_session revokes the user's refresh tokens of the client.
//
// # Passkeys
//
// When the issuer's host is a domain name (WebAuthn allows no IP
// address), the provider is also a WebAuthn relying party, through
// github.com/go-webauthn/webauthn: RP ID the issuer's host, origin the
// issuer's origin, user verification required, resident keys preferred,
// no attestation asked. Pages with a passkey ceremony load one script,
// /passkey.js, served by the provider (script-src 'self', still no
// inline script); it calls navigator.credentials and posts the answer
// through the page's own CSRF-protected form.
//
//   - Adding one: the code step of a user with TOTP has a box "Add a
//     passkey after signing in". With it ticked, a right code leads to a
//     registration step instead of the callback; the passkey (or a skip)
//     then completes the sign-in with amr ["pwd","otp"]. So a passkey is
//     only ever added by someone who has just given the password and a
//     TOTP code, in the browser the request is bound to, within the
//     request's ten minutes: a stolen password alone cannot add one,
//     which matters because a passkey sign-in counts as multi-factor.
//     Users without TOTP are not offered passkeys.
//   - Signing in with one: the password page carries a discoverable
//     sign-in challenge. The assertion's user handle is the username;
//     the credential must be one that user has, the signature must
//     verify, the user must be verified, and the sign count must grow
//     (a count at or below the stored one means a cloned authenticator
//     and is refused). Disabled and locked users are refused as with a
//     password. The tokens carry amr ["hwk","user","mfa"]. Every refusal
//     shows the same message and counts towards the request's failures;
//     it does not count towards the user's lockout, since a passkey
//     cannot be guessed.
//
// Each challenge is kept server-side with the authorization request,
// replaced at every view of its page, taken by its first answer (right
// or wrong) and valid for five minutes. The passkeys (credential ID,
// public key, sign count, AAGUID, transports, backup flags, name,
// creation and last use) are a JSON column of the user in the store;
// "palisade users passkeys" lists and removes them.
//
// # What is kept where
//
// Users (with their password hashes and sealed TOTP secrets) and the
// provider's keys (signing key as PKCS#8, TOTP sealing key, form key, code
// key) are in the store, shared by every replica. Authorization requests,
// codes and refresh tokens are in memory: a restart ends sign-ins in
// progress and refresh tokens, and with several replicas a sign-in must
// stay on one replica (sticky sessions) until a store-backed token table
// exists.
package localidp
