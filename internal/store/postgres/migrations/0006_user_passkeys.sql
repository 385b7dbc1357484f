-- Passkeys (WebAuthn credentials) of the built-in identity provider's
-- users: a JSON array as the identity provider encodes it (credential
-- IDs, public keys, sign counts, names, times), or '' for none. It is
-- TEXT, not JSONB, so it reads back byte for byte as written. Public keys
-- are not secrets; the column holds nothing that signs a user in.

ALTER TABLE users ADD COLUMN passkeys TEXT NOT NULL DEFAULT '';
