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
//     and shows a form (html/template, no script, a strict
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
