// Package secrets finds credentials in text: cloud and SaaS keys, tokens,
// private keys, JWTs, connection strings with passwords, and passwords or
// random-looking values assigned to secret-sounding names.
//
// Passwords and secrets are also found where a sentence states them ("my
// password is …", "the API token 04b5…", "Passwort lautet …"): the name,
// then the value, at once or after a linking word or a colon.
//
// Each rule reports its own finding type (see Rules), all in category
// detect.Secret. Rules use the structure real credentials carry: fixed
// prefixes and lengths, CRC32 checksums in GitHub and npm tokens, a decodable
// JSON header in a JWT, a BEGIN/END frame around a private key. Where a value
// has no structure, the rule needs a secret-sounding name next to it and a
// value that looks random (Entropy).
//
// A keyword pre-filter keeps the cost low: the text is scanned once for the
// rules' keywords ("ghp_", "AKIA", "-----BEGIN", "=", ":"…), and each rule's
// regular expression or validator runs only on a small window where one of
// its keywords occurs. Text without any keyword costs one table look-up per
// byte.
//
// Confidence follows the evidence: 0.99 for a structured token whose
// checksum verifies, about 0.9 for a structured prefix and shape, 0.5 to 0.8
// for context and entropy, and 0.3 or less for documentation examples and
// placeholders (AWS's AKIAIOSFODNN7EXAMPLE, runs of x or of one character,
// "1234567890"). Obvious stand-ins for a password ("<password>", "${VAR}",
// "changeme", "****") are not reported at all.
package secrets
