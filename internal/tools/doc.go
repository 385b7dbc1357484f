// Package tools executes governed tool calls: HTTP operations that an
// operator configured and that agents may ask Palisade to perform on the
// signed-in user's behalf.
//
// An agent never talks to the downstream API itself and never sees its
// credentials. It names a Tool and passes a JSON arguments object; the
// Executor validates the arguments against the tool's JSON Schema, builds
// the request from the configured template (path placeholders, query
// parameters or a JSON body), attaches the tool's credentials (an API key
// read from the secret store at call time, or an OAuth2 client-credentials
// access token that is cached until shortly before it expires) and, when the
// tool asks for it, a short-lived user assertion: a JWT signed by Palisade
// that tells the downstream API which user the call is made for. Downstream
// APIs verify assertions against the key set served by Signer.JWKSHandler
// (VerifyAssertion does exactly that).
//
// Requests go through the *http.Client the caller supplies, which is meant
// to be the egress client (internal/egress), so destination policy, address
// checks and TLS rules apply. The Executor additionally refuses redirects
// that leave the tool's origin, bounds the time and the size of every
// response, and never puts secret material (API key, client secret, access
// token, assertion) into an error message.
//
// Every failure is an *Error whose Code is stable (tool_unknown,
// tool_invalid_arguments, tool_credentials, tool_downstream_error,
// tool_unavailable, tool_response_too_large, tool_refused, tool_bad_config)
// and which matches one of the Err* sentinels with errors.Is.
package tools
