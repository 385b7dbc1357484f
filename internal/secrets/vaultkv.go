package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// VaultKVConfig says where secrets are kept in a HashiCorp Vault KV
// version 2 engine.
type VaultKVConfig struct {
	// Address is Vault's base URL, for example "https://vault.example.com:8200".
	Address string
	// Token is sent as X-Vault-Token; it needs read on MOUNT/data/PREFIX*.
	Token string
	// Mount is the KV v2 engine's mount path; the default is "secret".
	Mount string
	// Prefix is prepended to a secret's name to make its path under the
	// mount, for example "palisade/" (secret NAME is read from
	// /v1/MOUNT/data/palisade/NAME).
	Prefix string
	// Field is the key of the value within the secret's data; the default
	// is "value".
	Field string
	// Namespace is the Vault Enterprise namespace, if any.
	Namespace string
	// Client makes the requests; the default has a 10 second timeout.
	Client *http.Client
}

// VaultKV reads secrets, read-only, from a HashiCorp Vault KV v2 engine
// with GET /v1/MOUNT/data/PATH. It is a VersionedSource for
// NewFromSource.
type VaultKV struct {
	base   *url.URL
	cfg    VaultKVConfig
	client *http.Client
}

// NewVaultKV returns a VaultKV for cfg.
func NewVaultKV(cfg VaultKVConfig) (*VaultKV, error) {
	u, err := url.Parse(cfg.Address)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("secrets: Vault address %q: want https://HOST[:PORT]", cfg.Address)
	}
	if cfg.Token == "" {
		return nil, errors.New("secrets: Vault KV: no token")
	}
	if cfg.Mount = strings.Trim(cfg.Mount, "/"); cfg.Mount == "" {
		cfg.Mount = "secret"
	}
	cfg.Prefix = strings.TrimPrefix(cfg.Prefix, "/")
	if cfg.Field == "" {
		cfg.Field = "value"
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &VaultKV{base: u, cfg: cfg, client: client}, nil
}

// String names the source in errors.
func (v *VaultKV) String() string {
	return fmt.Sprintf("HashiCorp Vault (KV v2 at %s/%s)", v.cfg.Mount, v.cfg.Prefix)
}

// Get returns the current value of the named secret and its version.
func (v *VaultKV) Get(ctx context.Context, name string) ([]byte, int, error) {
	return v.get(ctx, name, 0)
}

// GetVersion returns one version of the named secret.
func (v *VaultKV) GetVersion(ctx context.Context, name string, version int) ([]byte, int, error) {
	if version < 1 {
		return nil, 0, fmt.Errorf("secret %q version %d: %w", name, version, ErrNotFound)
	}
	return v.get(ctx, name, version)
}

// kvResponse is the part of a KV v2 read response VaultKV uses.
type kvResponse struct {
	Errors []string `json:"errors"`
	Data   *struct {
		Data     map[string]any `json:"data"`
		Metadata struct {
			Version      int    `json:"version"`
			DeletionTime string `json:"deletion_time"`
			Destroyed    bool   `json:"destroyed"`
		} `json:"metadata"`
	} `json:"data"`
}

func (v *VaultKV) get(ctx context.Context, name string, version int) ([]byte, int, error) {
	if err := checkName(name); err != nil {
		return nil, 0, err
	}
	u := v.base.JoinPath("v1", v.cfg.Mount, "data", v.cfg.Prefix+name)
	if version > 0 {
		u.RawQuery = "version=" + strconv.Itoa(version)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("secret %q: %w", name, err)
	}
	req.Header.Set("X-Vault-Token", v.cfg.Token)
	req.Header.Set("X-Vault-Request", "true")
	if v.cfg.Namespace != "" {
		req.Header.Set("X-Vault-Namespace", v.cfg.Namespace)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("secret %q: %w (Vault: %w)", name, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4*MaxValueSize+64<<10))
	defer clear(body)
	if err != nil {
		return nil, 0, fmt.Errorf("secret %q: %w (Vault: %w)", name, ErrUnavailable, err)
	}
	var r kvResponse
	jsonErr := json.Unmarshal(body, &r)
	vaultSays := strings.Join(r.Errors, "; ")
	switch {
	case resp.StatusCode == http.StatusOK && jsonErr == nil && r.Data != nil:
	case resp.StatusCode == http.StatusNotFound:
		if r.Data != nil && (r.Data.Metadata.DeletionTime != "" || r.Data.Metadata.Destroyed) {
			return nil, 0, fmt.Errorf("secret %q version %d is deleted in Vault: %w", name, r.Data.Metadata.Version, ErrDisabled)
		}
		return nil, 0, fmt.Errorf("secret %q: %w in Vault at %s", name, ErrNotFound, u.Path)
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return nil, 0, fmt.Errorf("secret %q: %w (Vault: %s)", name, ErrForbidden, vaultSays)
	case resp.StatusCode == http.StatusOK:
		return nil, 0, fmt.Errorf("secret %q: %w (Vault answered with an unreadable KV v2 response)", name, ErrUnavailable)
	default:
		return nil, 0, fmt.Errorf("secret %q: %w (Vault answered %d: %s)", name, ErrUnavailable, resp.StatusCode, vaultSays)
	}
	if r.Data.Data == nil && (r.Data.Metadata.DeletionTime != "" || r.Data.Metadata.Destroyed) {
		return nil, 0, fmt.Errorf("secret %q version %d is deleted in Vault: %w", name, r.Data.Metadata.Version, ErrDisabled)
	}
	field, ok := r.Data.Data[v.cfg.Field]
	if !ok {
		return nil, 0, fmt.Errorf("secret %q version %d has no field %q in Vault: %w", name, r.Data.Metadata.Version, v.cfg.Field, ErrNotFound)
	}
	s, ok := field.(string)
	if !ok {
		return nil, 0, fmt.Errorf("secret %q version %d: field %q is not a string: %w", name, r.Data.Metadata.Version, v.cfg.Field, ErrInvalidValue)
	}
	return []byte(s), r.Data.Metadata.Version, nil
}
