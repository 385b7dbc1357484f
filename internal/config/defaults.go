package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// The defaults. They are safe: loopback only, small bodies, bounded waits,
// data kept in its region for 30 days.
const (
	defaultAddr              = "127.0.0.1:8080"
	defaultMaxBodyBytes      = 1 << 20 // 1 MiB
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultWriteTimeout      = 120 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultShutdownTimeout   = 30 * time.Second
	defaultDataDir           = "./palisade-data"
	defaultDriver            = "sqlite"
	defaultSQLiteFile        = "palisade.db"
	defaultRetentionDays     = 30
	defaultAgentTimeout      = 60 * time.Second
	defaultConnectTimeout    = 10 * time.Second
	defaultFirstByteTimeout  = 60 * time.Second
	defaultAPIKeyHeader      = "Authorization"
	defaultTokenTTL          = 30 * time.Minute
	defaultLeeway            = 30 * time.Second
	defaultLocalAccessTTL    = 10 * time.Minute
	defaultLocalRefreshTTL   = 8 * time.Hour
	defaultSessionLifetime   = 12 * time.Hour
	defaultSessionIdle       = time.Hour
	defaultCheckpointEvery   = 1000
	defaultCheckpointPeriod  = 60 * time.Second
	defaultExportBatch       = 500
	defaultExportTimeout     = 10 * time.Second
	defaultSyslogFacility    = 13 // log audit
	defaultEgressMaxBytes    = 10 << 20
)

// Limits enforced by Validate.
const (
	minBodyBytes   = 1024
	maxBodyBytes   = 64 << 20 // 64 MiB
	maxAppSecrets  = 2
	minSecretChars = 32
)

// Default returns the configuration used when the file sets nothing: a
// loopback listener on 127.0.0.1:8080, 1 MiB request bodies, bounded
// timeouts, and the embedded SQLite store under ./palisade-data. It has no
// environments, agents or apps; such a configuration is valid (the server
// starts and answers nothing but health checks, and warns about it).
//
// Defaults of list elements (an environment's retention, an agent's
// timeout, an upstream's timeouts, an app's token lifetime) are applied by
// Load and Parse to every element that leaves the key out.
func Default() *Config {
	c := baseDefaults()
	deriveDefaults(c)
	return c
}

// baseDefaults returns the defaults that do not depend on other fields; the
// YAML decoder decodes on top of them, so a key the file leaves out keeps
// its default.
func baseDefaults() *Config {
	return &Config{
		Server: Server{
			Addr:              defaultAddr,
			MaxBodyBytes:      defaultMaxBodyBytes,
			ReadHeaderTimeout: Duration(defaultReadHeaderTimeout),
			ReadTimeout:       Duration(defaultReadTimeout),
			WriteTimeout:      Duration(defaultWriteTimeout),
			IdleTimeout:       Duration(defaultIdleTimeout),
			ShutdownTimeout:   Duration(defaultShutdownTimeout),
		},
		DataDir: defaultDataDir,
		Store:   Store{Driver: defaultDriver},
		Identity: Identity{
			Local:    LocalIdP{AccessTokenTTL: Duration(defaultLocalAccessTTL), RefreshTokenTTL: Duration(defaultLocalRefreshTTL), ServiceTokenTTL: Duration(defaultLocalAccessTTL), SigningKeyRotation: Duration(30 * 24 * time.Hour)},
			Sessions: Sessions{Lifetime: Duration(defaultSessionLifetime), IdleTimeout: Duration(defaultSessionIdle)},
		},
		Audit:  Audit{CheckpointEvery: defaultCheckpointEvery, CheckpointInterval: Duration(defaultCheckpointPeriod)},
		Egress: Egress{MaxResponseBytes: defaultEgressMaxBytes},
	}
}

// deriveDefaults fills the defaults that depend on other fields: the SQLite
// file lives in the data directory unless the file names another one, and
// the audit log's origin is named after the public URL's host.
func deriveDefaults(c *Config) {
	if c.Store.Driver == defaultDriver && c.Store.Path == "" && c.DataDir != "" {
		c.Store.Path = filepath.Join(c.DataDir, defaultSQLiteFile)
	}
	if c.Server.PublicURL == "" {
		c.Server.PublicURL = publicURLOf(c.Server.Addr)
		if c.Server.TLS != nil {
			c.Server.PublicURL = strings.Replace(c.Server.PublicURL, "http://", "https://", 1)
		}
	}
	c.Server.PublicURL = strings.TrimSuffix(c.Server.PublicURL, "/")
	if c.Audit.Origin == "" {
		if u, err := url.Parse(c.Server.PublicURL); err == nil && u.Host != "" {
			c.Audit.Origin = u.Host + "/audit"
		}
	}
}

// publicURLOf is the default public URL for a listen address: http to the
// same host and port, with an unspecified host read as 127.0.0.1.
func publicURLOf(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// applyElementDefaults fills the defaults of list elements whose key the
// file leaves out (or sets to null). set reports whether a field path was
// given a non-null value in the file. A key that is present keeps its value,
// so an explicit 0 stays 0 and Validate refuses it.
func applyElementDefaults(c *Config, set func(path string) bool) {
	for i := range c.Environments {
		p := fmt.Sprintf("environments[%d]", i)
		if !set(p + ".transcript_retention_days") {
			c.Environments[i].RetentionDays = defaultRetentionDays
		}
	}
	for i := range c.Agents {
		a := &c.Agents[i]
		p := fmt.Sprintf("agents[%d]", i)
		if !set(p + ".timeout") {
			a.Timeout = Duration(defaultAgentTimeout)
		}
		if a.Upstream == nil {
			continue
		}
		p += ".upstream"
		if !set(p + ".connect_timeout") {
			a.Upstream.ConnectTimeout = Duration(defaultConnectTimeout)
		}
		if !set(p + ".first_byte_timeout") {
			a.Upstream.FirstByteTimeout = Duration(defaultFirstByteTimeout)
		}
		if !set(p + ".api_key_header") {
			a.Upstream.APIKeyHeader = defaultAPIKeyHeader
		}
	}
	for i := range c.Identity.Issuers {
		is := &c.Identity.Issuers[i]
		p := fmt.Sprintf("identity.issuers[%d]", i)
		if !set(p + ".leeway") {
			is.Leeway = Duration(defaultLeeway)
		}
		if !set(p + ".claims.name") {
			is.Claims.Name = "name"
		}
		if !set(p + ".claims.groups") {
			is.Claims.Groups = "groups"
		}
		if !set(p + ".claims.roles") {
			is.Claims.Roles = "roles"
		}
		if !set(p + ".mfa.amr") {
			is.MFA.AMR = []string{"mfa"}
		}
	}
	for i := range c.Audit.Export.Webhooks {
		w := &c.Audit.Export.Webhooks[i]
		p := fmt.Sprintf("audit.export.webhooks[%d]", i)
		if !set(p + ".batch_size") {
			w.BatchSize = defaultExportBatch
		}
		if !set(p + ".timeout") {
			w.Timeout = Duration(defaultExportTimeout)
		}
	}
	for i := range c.Audit.Export.Syslog {
		if s := &c.Audit.Export.Syslog[i]; s.Facility == nil {
			f := defaultSyslogFacility
			s.Facility = &f
		}
	}
	for i := range c.Audit.Export.OTLP {
		o := &c.Audit.Export.OTLP[i]
		p := fmt.Sprintf("audit.export.otlp[%d]", i)
		if !set(p + ".batch_size") {
			o.BatchSize = defaultExportBatch
		}
		if !set(p + ".timeout") {
			o.Timeout = Duration(defaultExportTimeout)
		}
		if !set(p + ".compression") {
			o.Compression = "gzip"
		}
	}
	if kek := c.Secrets.KEK; kek != nil && kek.VaultTransit != nil && kek.VaultTransit.Mount == "" {
		kek.VaultTransit.Mount = "transit"
	}
	if kv := c.Secrets.VaultKV; kv != nil {
		if kv.Mount == "" {
			kv.Mount = "secret"
		}
		if !set("secrets.vault_kv.prefix") {
			kv.Prefix = "palisade/"
		}
		if kv.Field == "" {
			kv.Field = "value"
		}
	}
	applyToolDefaults(c, set)
	applyTelemetryDefaults(c, set)
	if c.Guard.Classifier != nil && !set("guard.classifier.timeout") {
		c.Guard.Classifier.Timeout = Duration(defaultClassifierTimeout)
	}
	for i := range c.Apps {
		if !set(fmt.Sprintf("apps[%d].token_ttl", i)) {
			c.Apps[i].TokenTTL = Duration(defaultTokenTTL)
		}
	}
}
