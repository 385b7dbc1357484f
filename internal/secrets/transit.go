package secrets

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/tink-crypto/tink-go-hcvault/v2/integration/hcvault"
)

// VaultTransitConfig says where a Vault Transit key-encryption key is.
type VaultTransitConfig struct {
	// KeyURI names the Transit key as tink-go-hcvault expects it:
	// "hcvault://HOST[:PORT]/MOUNT/keys/NAME", for example
	// "hcvault://vault.example.com:8200/transit/keys/palisade". Vault is
	// reached over HTTPS.
	KeyURI string
	// Token is the Vault token. When empty it is read from the
	// environment variable TokenEnv.
	Token string
	// TokenEnv names the environment variable holding the token when Token
	// is empty; the default is VAULT_TOKEN.
	TokenEnv string
	// Namespace is the Vault Enterprise namespace, if any.
	Namespace string
	// TLS configures the connection (for example a private CA); nil uses
	// the system roots. The VAULT_CACERT and VAULT_SKIP_VERIFY environment
	// variables are not used.
	TLS *tls.Config
	// HTTPClient, when set, makes the requests instead (for example one
	// whose dialer enforces an egress policy); TLS is then ignored and the
	// client's own transport configures the connection.
	HTTPClient *http.Client
	// Timeout bounds each request to Vault; the default is 10 seconds.
	Timeout time.Duration
}

// vaultPrefix starts the KEKID of a data key wrapped by Vault Transit.
const vaultPrefix = "vault-transit:"

// vaultCiphertext matches the version prefix of a Transit ciphertext.
var vaultCiphertext = regexp.MustCompile(`^vault:v([0-9]+):`)

// transitProbe is what Rewrap encrypts to learn the Transit key's latest
// version; it is not a secret.
var transitProbe = []byte("palisade-kek-probe")

// NewVaultTransitKEK returns a key-encryption key kept in HashiCorp Vault's
// Transit engine: data keys are sent to Vault to be wrapped and unwrapped
// and the Transit key never leaves Vault. The associated data is sent as
// Transit's associated_data, which needs an AES-GCM or ChaCha20-Poly1305
// Transit key. The KEKID of a wrapped data key is
// "vault-transit:MOUNT/keys/NAME:vN", N being the Transit key version
// that wrapped it; after 'vault write -f MOUNT/keys/NAME/rotate', Rewrap
// moves every data key to the latest version.
func NewVaultTransitKEK(cfg VaultTransitConfig) (*KEK, error) {
	u, err := url.Parse(cfg.KeyURI)
	if err != nil || u.Scheme != "hcvault" || u.Host == "" {
		return nil, fmt.Errorf("secrets: Vault Transit key URI %q: want hcvault://HOST[:PORT]/MOUNT/keys/NAME", cfg.KeyURI)
	}
	keyPath := strings.TrimPrefix(u.EscapedPath(), "/")
	if parts := strings.Split(keyPath, "/"); len(parts) < 3 || parts[len(parts)-2] != "keys" || parts[len(parts)-1] == "" {
		return nil, fmt.Errorf("secrets: Vault Transit key URI %q: want hcvault://HOST[:PORT]/MOUNT/keys/NAME", cfg.KeyURI)
	}
	token := cfg.Token
	if token == "" {
		env := cfg.TokenEnv
		if env == "" {
			env = "VAULT_TOKEN"
		}
		if token = os.Getenv(env); token == "" {
			return nil, fmt.Errorf("secrets: Vault Transit key-encryption key: no token (set $%s)", env)
		}
	}
	vc := api.DefaultConfig()
	if vc.Error != nil {
		return nil, fmt.Errorf("secrets: Vault client: %w", vc.Error)
	}
	// The configured address wins over VAULT_ADDR and VAULT_AGENT_ADDR.
	vc.Address, vc.AgentAddress = "https://"+u.Host, ""
	vc.Timeout = cfg.Timeout
	if vc.Timeout <= 0 {
		vc.Timeout = 10 * time.Second
	}
	if cfg.HTTPClient != nil {
		vc.HttpClient = cfg.HTTPClient
	} else {
		tr, ok := vc.HttpClient.Transport.(*http.Transport)
		if !ok {
			return nil, errors.New("secrets: Vault client: unexpected transport")
		}
		if cfg.TLS != nil {
			tr.TLSClientConfig = cfg.TLS.Clone()
		} else {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	client, err := api.NewClient(vc)
	if err != nil {
		return nil, fmt.Errorf("secrets: Vault client: %w", err)
	}
	client.SetToken(token)
	if cfg.Namespace != "" {
		client.SetNamespace(cfg.Namespace)
	}
	// NewAEAD (unlike hcvault.NewClient) sends the associated data as
	// Transit's associated_data, which binds it, rather than as the
	// legacy key-derivation context, which a non-derived key ignores.
	a, err := hcvault.NewAEAD("/"+keyPath, client.Logical())
	if err != nil {
		return nil, fmt.Errorf("secrets: Vault Transit key %s: %w", keyPath, err)
	}
	id := vaultPrefix + keyPath
	k := &KEK{
		aead: a,
		id:   id,
		wrapID: func(wrapped []byte) (string, error) {
			m := vaultCiphertext.FindSubmatch(wrapped)
			if m == nil {
				return "", errors.New("Vault returned a ciphertext without a vault:vN: prefix")
			}
			return id + ":v" + string(m[1]), nil
		},
		has: func(kekID string) bool {
			v, ok := strings.CutPrefix(kekID, id+":v")
			return ok && v != "" && strings.Trim(v, "0123456789") == ""
		},
		classify: classifyVault,
		keys:     "Vault Transit key " + keyPath,
	}
	k.primary = func() (string, error) {
		w, err := a.Encrypt(transitProbe, transitProbe)
		if err != nil {
			return "", classifyVault(err)
		}
		return k.wrapID(w)
	}
	return k, nil
}

// classifyVault turns a failed Transit call into this package's errors.
func classifyVault(err error) error {
	var re *api.ResponseError
	if errors.As(err, &re) {
		msg := strings.Join(re.Errors, "; ")
		switch {
		case re.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%w (Vault: %s)", ErrForbidden, msg)
		case re.StatusCode == http.StatusBadRequest && strings.Contains(msg, "disallowed by policy"):
			return fmt.Errorf("%w (Vault: %s)", ErrKeyVersion, msg)
		case re.StatusCode == http.StatusBadRequest && strings.Contains(msg, "key not found"):
			return fmt.Errorf("%w (Vault: %s)", ErrKeyVersion, msg)
		case re.StatusCode == http.StatusBadRequest:
			return fmt.Errorf("%w (Vault: %s)", ErrIntegrity, msg)
		}
		return fmt.Errorf("%w (Vault answered %d: %s)", ErrUnavailable, re.StatusCode, msg)
	}
	return fmt.Errorf("%w (Vault: %w)", ErrUnavailable, err)
}
