package config

// Secrets configures the secret store: where its key-encryption key comes
// from, and optionally a HashiCorp Vault KV engine to read secrets from.
// Without a key-encryption key the store is sealed: everything that needs
// a secret is refused, and says so.
type Secrets struct {
	// KEK names the source of the key-encryption key that wraps every
	// secret's own data key. Nil leaves the store sealed.
	KEK *SecretsKEK `yaml:"kek" json:"kek,omitempty" jsonschema:"description=Source of the key-encryption key. Exactly one of keyset_file\\, keyset_env and vault_transit. Without it the secret store is sealed: anything that needs a secret is refused."`
	// VaultKV reads secrets from a Vault KV version 2 engine instead of
	// Palisade's own store.
	VaultKV *VaultKV `yaml:"vault_kv" json:"vault_kv,omitempty" jsonschema:"description=Read secrets from a HashiCorp Vault KV v2 engine instead of Palisade's own encrypted store (read-only: manage them in Vault)."`
}

// SecretsKEK is the source of the key-encryption key; exactly one field is
// set.
type SecretsKEK struct {
	// KeysetFile is a Tink JSON keyset (AES-256-GCM) made by `palisade
	// secrets keygen`.
	KeysetFile string `yaml:"keyset_file" json:"keyset_file,omitempty" jsonschema:"description=Tink JSON keyset file made by palisade secrets keygen. Relative to the config file. Keep it on other storage than the database (a mounted secret volume)."`
	// KeysetEnv names an environment variable holding the keyset (JSON or
	// base64 of it).
	KeysetEnv string `yaml:"keyset_env" json:"keyset_env,omitempty" jsonschema:"description=Name of an environment variable holding the Tink JSON keyset (or its base64).,pattern=^[A-Za-z_][A-Za-z0-9_]*$"`
	// VaultTransit wraps data keys with a HashiCorp Vault Transit key.
	VaultTransit *VaultTransit `yaml:"vault_transit" json:"vault_transit,omitempty" jsonschema:"description=Wrap data keys with a HashiCorp Vault Transit key: the key-encryption key never leaves Vault."`
}

// VaultTransit is a HashiCorp Vault Transit key used as key-encryption key.
type VaultTransit struct {
	// Address is Vault's base URL.
	Address string `yaml:"address" json:"address" jsonschema:"required,description=Vault base URL\\, such as https://vault.example.com:8200. https unless loopback."`
	// Mount is the Transit engine's mount path.
	Mount string `yaml:"mount" json:"mount,omitempty" jsonschema:"description=Mount path of the Transit engine. Default transit."`
	// Key is the Transit key's name.
	Key string `yaml:"key" json:"key" jsonschema:"required,description=Name of the Transit key."`
	// Token is a reference to a Vault token allowed to encrypt and
	// decrypt with the key.
	Token string `yaml:"token" json:"token" jsonschema:"required,description=Reference to a Vault token allowed to encrypt and decrypt with the key\\, such as ${env:VAULT_TOKEN}.,pattern=^\\$\\{env:[^\\s${}]+\\}$"`
	// CAFile is a PEM bundle of CAs for Vault's certificate.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty" jsonschema:"description=PEM CA bundle for Vault's certificate (added to the system roots). Relative to the config file."`
	// Zone lets the address resolve to a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses Vault may have (Vault usually runs on a private network)."`
}

// VaultKV is a HashiCorp Vault KV version 2 engine that holds the secrets.
type VaultKV struct {
	// Address is Vault's base URL.
	Address string `yaml:"address" json:"address" jsonschema:"required,description=Vault base URL. https unless loopback."`
	// Mount is the KV engine's mount path.
	Mount string `yaml:"mount" json:"mount,omitempty" jsonschema:"description=Mount path of the KV v2 engine. Default secret."`
	// Prefix is prepended to secret names to form the KV path.
	Prefix string `yaml:"prefix" json:"prefix,omitempty" jsonschema:"description=Path prefix: ${secret:NAME} reads <mount>/data/<prefix>NAME. Default palisade/."`
	// Field is the key of the value inside the KV entry.
	Field string `yaml:"field" json:"field,omitempty" jsonschema:"description=Field of the KV entry that holds the value. Default value."`
	// Token is a reference to a Vault token allowed to read the entries.
	Token string `yaml:"token" json:"token" jsonschema:"required,description=Reference to a Vault token allowed to read the entries\\, such as ${env:VAULT_TOKEN}.,pattern=^\\$\\{env:[^\\s${}]+\\}$"`
	// CAFile is a PEM bundle of CAs for Vault's certificate.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty" jsonschema:"description=PEM CA bundle for Vault's certificate. Relative to the config file."`
	// Zone lets the address resolve to a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses Vault may have."`
}
