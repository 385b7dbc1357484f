// Package config holds Palisade's configuration: typed structs, the safe
// defaults, strict YAML loading (unknown keys are errors), validation that
// reports every problem with its file and line, reference resolution
// (${env:NAME}) and the JSON Schema of the format.
package config

import "time"

// Config is the whole configuration of one Palisade process.
type Config struct {
	// Server configures the public listener.
	Server Server `yaml:"server" json:"server,omitempty" jsonschema:"description=The public HTTP listener."`
	// DataDir holds the embedded database and generated keys.
	DataDir string `yaml:"data_dir" json:"data_dir,omitempty" jsonschema:"description=Directory for the embedded SQLite database and local state. Default ./palisade-data."`
	// Store selects the database.
	Store Store `yaml:"store" json:"store,omitempty" jsonschema:"description=Where Palisade keeps conversations\\, transcripts and audit events."`
	// Environments are the deployment environments, each pinned to a region.
	Environments []Environment `yaml:"environments" json:"environments,omitempty" jsonschema:"description=Environments\\, each pinned to a region with its own retention."`
	// Agents are the agents Palisade protects.
	Agents []Agent `yaml:"agents" json:"agents,omitempty" jsonschema:"description=The agents Palisade stands in front of."`
	// Apps are the client apps and channels allowed to reach agents.
	Apps []App `yaml:"apps" json:"apps,omitempty" jsonschema:"description=Registered client apps and channels."`
	// Identity configures how callers prove who they are.
	Identity Identity `yaml:"identity" json:"identity,omitempty" jsonschema:"description=Identity providers whose users may call Palisade."`
	// Roles grant permissions; nothing is allowed that no role grants.
	Roles []Role `yaml:"roles" json:"roles,omitempty" jsonschema:"description=Roles: who holds them and what they allow. Nothing is allowed that no role grants."`
	// Access holds the conditional access policies.
	Access Access `yaml:"access" json:"access,omitempty" jsonschema:"description=Conditional access: policies over location\\, country\\, device\\, risk\\, MFA and time."`
	// Audit configures the tamper-evident audit log's signed checkpoints.
	Audit Audit `yaml:"audit" json:"audit,omitempty" jsonschema:"description=Signed checkpoints that make the audit log tamper-evident."`
	// Guard configures content inspection: sensitive data, prompt
	// injection and unsafe output.
	Guard Guard `yaml:"guard" json:"guard,omitempty" jsonschema:"description=The content guard: policies for personal data\\, secrets\\, prompt injection and unsafe output; custom detectors; an external classifier."`
	// Tools are the HTTP operations agents may call through Palisade.
	Tools []Tool `yaml:"tools" json:"tools,omitempty" jsonschema:"description=Tools: HTTP operations that agents call and Palisade executes on the caller's behalf (authorised\\, validated\\, with credentials injected and the result guarded)."`
	// Secrets configures the encrypted secret store.
	Secrets Secrets `yaml:"secrets" json:"secrets,omitempty" jsonschema:"description=The secret store: its key-encryption key\\, or a Vault KV engine. Configuration names secrets as ${secret:NAME}."`
	// Egress configures the outbound client: zones and destinations.
	Egress Egress `yaml:"egress" json:"egress,omitempty" jsonschema:"description=Outbound calls: named network zones and allowed destinations. Private\\, loopback\\, link-local and metadata addresses are refused unless a zone allows them."`
	// Telemetry configures Palisade's own traces.
	Telemetry Telemetry `yaml:"telemetry" json:"telemetry,omitempty" jsonschema:"description=Palisade's own telemetry: OpenTelemetry traces of the request path\\, exported over OTLP/HTTP. Off by default; trace ids are made and propagated either way."`

	// Raw holds, for every string field whose text in the file contained a
	// reference (${env:NAME}, ${secret:NAME}) or an escaped "$${", the text
	// as written, keyed by field path (e.g. "agents[1].upstream.api_key").
	// The field itself holds the resolved value. Validate uses Raw to tell
	// references from literal secrets, and Redacted to print the config
	// without resolved values. It is not part of the file format.
	Raw map[string]string `yaml:"-" json:"-"`
}

// Audit configures the signed checkpoints of the audit log: every so many
// events, or so often, Palisade signs the root of the Merkle tree over all
// events so far and keeps the checkpoint in the database and, optionally,
// in a directory outside it, where `palisade audit verify` finds it.
type Audit struct {
	// CheckpointEvery is how many new events trigger a checkpoint.
	CheckpointEvery int64 `yaml:"checkpoint_every" json:"checkpoint_every,omitempty" jsonschema:"description=Sign a checkpoint after this many new audit events. Default 1000.,minimum=1"`
	// CheckpointInterval is how long new events wait, at most, for one.
	CheckpointInterval Duration `yaml:"checkpoint_interval" json:"checkpoint_interval,omitempty" jsonschema:"description=Sign a checkpoint at least this often while new audit events arrive. Default 60s; at least 1s."`
	// CheckpointDir is a directory outside the database that receives a
	// copy of every checkpoint signed.
	CheckpointDir string `yaml:"checkpoint_dir" json:"checkpoint_dir,omitempty" jsonschema:"description=Directory that receives a copy of every signed checkpoint (SIZE.checkpoint)\\, ideally on other storage than the database. Relative to the config file. Default none."`
	// Origin names the log in its checkpoints.
	Origin string `yaml:"origin" json:"origin,omitempty" jsonschema:"description=Name of the log in its checkpoints. Default the host of server.public_url followed by /audit. Changing it makes older checkpoints unverifiable."`
	// Export sends every audit event to SIEMs.
	Export AuditExport `yaml:"export" json:"export,omitempty" jsonschema:"description=Send every audit event to a SIEM: webhooks (HMAC-signed JSON batches)\\, syslog (RFC 5424 over TCP or TLS) and OpenTelemetry logs (OTLP/HTTP). At least once\\, in order\\, resumed after a restart."`
}

// AuditExport lists the sinks that receive a copy of every audit event.
type AuditExport struct {
	// Webhooks receive HMAC-signed JSON batches.
	Webhooks []AuditWebhook `yaml:"webhooks" json:"webhooks,omitempty" jsonschema:"description=HTTP endpoints that receive JSON batches of events\\, signed with HMAC-SHA256."`
	// Syslog receivers get RFC 5424 messages.
	Syslog []AuditSyslog `yaml:"syslog" json:"syslog,omitempty" jsonschema:"description=Syslog receivers (RFC 5424 with octet-counting framing over TCP\\, or over TLS as RFC 5425)."`
	// OTLP receivers get OpenTelemetry log records.
	OTLP []AuditOTLP `yaml:"otlp" json:"otlp,omitempty" jsonschema:"description=OpenTelemetry logs receivers (OTLP/HTTP with binary protobuf): a collector or a vendor's OTLP endpoint."`
}

// AuditOTLP is one OpenTelemetry logs sink.
type AuditOTLP struct {
	// Name identifies the sink; its delivery cursor is kept under it.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Sink name; the delivery position is stored under it\\, so renaming a sink sends everything again.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Endpoint is the OTLP/HTTP logs URL.
	Endpoint string `yaml:"endpoint" json:"endpoint" jsonschema:"required,description=OTLP/HTTP logs URL receiving POST. Without a path /v1/logs is used (https://otlp.example.com posts to https://otlp.example.com/v1/logs); a path is used as written. https unless loopback."`
	// Headers are sent with every request; values may hold references.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty" jsonschema:"description=HTTP headers sent with every request\\, such as a vendor's API key: Authorization: Bearer ${secret:otlp-token}. ${secret:NAME} is read from the secret store at each delivery and ${env:NAME} when the export starts; $${ writes a literal ${. A header that carries a credential (its name has auth\\, token\\, key\\, secret\\, password…) must take it from a reference."`
	// Zone lets the endpoint's host resolve to a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the host may resolve to (a collector on an internal network)."`
	// BatchSize is the most events per request.
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty" jsonschema:"description=Most events (log records) per request. Default 500.,minimum=1,maximum=1000"`
	// Timeout bounds one delivery.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one delivery. Default 10s."`
	// Compression is gzip or none.
	Compression string `yaml:"compression" json:"compression,omitempty" jsonschema:"enum=gzip,enum=none,description=Request body compression: gzip or none. Default gzip."`
}

// AuditWebhook is one webhook sink.
type AuditWebhook struct {
	// Name identifies the sink; its delivery cursor is kept under it.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Sink name; the delivery position is stored under it\\, so renaming a sink sends everything again.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// URL receives POSTs.
	URL string `yaml:"url" json:"url" jsonschema:"required,description=Endpoint receiving POST with a JSON object holding the events array. https unless loopback."`
	// Secret is a reference to the HMAC key.
	Secret string `yaml:"secret" json:"secret" jsonschema:"required,description=Reference to the HMAC-SHA256 signing key (at least 32 characters)\\, such as ${secret:siem-webhook}.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
	// Zone lets the URL's host resolve to a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the host may resolve to (a SIEM on an internal network)."`
	// BatchSize is the most events per POST.
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty" jsonschema:"description=Most events per request. Default 500.,minimum=1,maximum=1000"`
	// Timeout bounds one delivery.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one delivery. Default 10s."`
}

// AuditSyslog is one syslog sink.
type AuditSyslog struct {
	// Name identifies the sink; its delivery cursor is kept under it.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Sink name; the delivery position is stored under it.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Address is host:port of the receiver.
	Address string `yaml:"address" json:"address" jsonschema:"required,description=host:port of the syslog receiver."`
	// TLS selects RFC 5425 transport; without it plain TCP is used, which
	// is unsafe off loopback.
	TLS bool `yaml:"tls" json:"tls,omitempty" jsonschema:"description=Use TLS (RFC 5425). Plain TCP to a host that is not loopback needs allow_insecure_tcp."`
	// CAFile is a PEM CA bundle for the receiver's certificate.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty" jsonschema:"description=PEM CA bundle for the receiver's certificate (instead of the system roots). Relative to the config file."`
	// Facility is the syslog facility number.
	Facility *int `yaml:"facility" json:"facility,omitempty" jsonschema:"description=Syslog facility (0-23). Default 13 (log audit).,minimum=0,maximum=23"`
	// Zone lets the address be on a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the receiver may have."`
	// AllowInsecureTCP permits plain TCP to a host that is not loopback.
	AllowInsecureTCP bool `yaml:"allow_insecure_tcp" json:"allow_insecure_tcp,omitempty" jsonschema:"description=UNSAFE: send audit events unencrypted over TCP to a host that is not loopback. Default false."`
}

// Server configures the public HTTP listener.
type Server struct {
	// Addr is the listen address. The default binds loopback only.
	Addr string `yaml:"addr" json:"addr,omitempty" jsonschema:"description=Listen address (host:port). Default 127.0.0.1:8080."`
	// MetricsAddr is the listen address of the Prometheus metrics
	// endpoint (GET /metrics), separate from Addr; "" serves no metrics.
	// Metrics hold no secrets but name agents and apps and show traffic,
	// so the address belongs on an internal network.
	MetricsAddr string `yaml:"metrics_addr" json:"metrics_addr,omitempty" jsonschema:"description=Listen address (host:port) of the Prometheus metrics endpoint GET /metrics\\, on its own listener. Default empty: no metrics are served. Metrics name agents and apps and show traffic: keep the address on an internal network."`
	// MaxBodyBytes limits request bodies; larger ones get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes,omitempty" jsonschema:"description=Largest accepted request body in bytes. Default 1048576 (1 MiB).,minimum=1024,maximum=67108864"`
	// ReadHeaderTimeout bounds how long a client may take to send headers.
	ReadHeaderTimeout Duration `yaml:"read_header_timeout" json:"read_header_timeout,omitempty" jsonschema:"description=Time allowed to read request headers. Default 5s."`
	// ReadTimeout bounds reading a whole request.
	ReadTimeout Duration `yaml:"read_timeout" json:"read_timeout,omitempty" jsonschema:"description=Time allowed to read a whole request. Default 30s."`
	// WriteTimeout bounds writing a non-streaming response.
	WriteTimeout Duration `yaml:"write_timeout" json:"write_timeout,omitempty" jsonschema:"description=Time allowed to write a non-streaming response. Default 120s. Streaming responses are bounded by the agent timeout instead."`
	// IdleTimeout bounds keep-alive connections.
	IdleTimeout Duration `yaml:"idle_timeout" json:"idle_timeout,omitempty" jsonschema:"description=Keep-alive idle timeout. Default 120s."`
	// TLS serves HTTPS, optionally asking managed devices for their
	// certificate.
	TLS *TLS `yaml:"tls" json:"tls,omitempty" jsonschema:"description=Serve HTTPS\\, and optionally accept client certificates of managed devices."`
	// PublicURL is how browsers and identity providers reach Palisade.
	PublicURL string `yaml:"public_url" json:"public_url,omitempty" jsonschema:"description=External base URL (scheme://host[:port]) used for sign-in redirects and as the built-in provider's issuer. Default http://ADDR (127.0.0.1 for an unspecified address). https is required unless the host is loopback."`
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// is believed when finding the client's address.
	TrustedProxies []string `yaml:"trusted_proxies" json:"trusted_proxies,omitempty" jsonschema:"description=CIDR ranges of reverse proxies in front of Palisade whose X-Forwarded-For is trusted for the client address. Default none: the connection's address is the client's."`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout" json:"shutdown_timeout,omitempty" jsonschema:"description=How long graceful shutdown waits for in-flight requests. Default 30s."`
}

// TLS configures HTTPS on the listener.
type TLS struct {
	// CertFile and KeyFile are the server's PEM certificate chain and key.
	CertFile string `yaml:"cert_file" json:"cert_file" jsonschema:"required,description=PEM certificate chain of the server. Relative to the config file."`
	KeyFile  string `yaml:"key_file" json:"key_file" jsonschema:"required,description=PEM private key of the server. Relative to the config file."`
	// DeviceCAFile is the CA that issues managed devices' certificates; a
	// request with a certificate it issued has device.compliant true.
	DeviceCAFile string `yaml:"device_ca_file" json:"device_ca_file,omitempty" jsonschema:"description=PEM certificates of the CA that issues managed devices' client certificates. A request presenting one has device.compliant true in access policies. Relative to the config file."`
}

// Store selects and configures the database.
type Store struct {
	// Driver is "sqlite" (embedded default) or "postgres".
	Driver string `yaml:"driver" json:"driver,omitempty" jsonschema:"enum=sqlite,enum=postgres,description=Database driver. Default sqlite."`
	// DSN is the PostgreSQL connection string (a reference such as
	// ${env:PALISADE_POSTGRES_DSN} keeps the password out of the file).
	DSN string `yaml:"dsn" json:"dsn,omitempty" jsonschema:"description=PostgreSQL connection string; required for the postgres driver. Use a reference like ${env:NAME}."`
	// Path is the SQLite database file; default <data_dir>/palisade.db.
	Path string `yaml:"path" json:"path,omitempty" jsonschema:"description=SQLite database file. Default <data_dir>/palisade.db."`
	// AllowCommitBeforeFsync acknowledges a request once its record has reached
	// the operating system rather than the disk (SQLite synchronous=NORMAL,
	// PostgreSQL synchronous_commit=off). A crash of Palisade loses
	// nothing; a power loss or kernel crash can lose the last moments of
	// audit events and transcripts. Unsafe; off by default.
	AllowCommitBeforeFsync bool `yaml:"allow_commit_before_fsync" json:"allow_commit_before_fsync,omitempty" jsonschema:"description=UNSAFE: answer requests before their audit record is flushed to disk; a power loss or OS crash can lose the newest audit events and transcripts. Default false."`
}

// Environment is a deployment environment pinned to one region.
type Environment struct {
	// Name identifies the environment; agents name it.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Unique environment name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Region is where the environment's data lives.
	Region string `yaml:"region" json:"region" jsonschema:"required,description=Region where the environment's data lives (e.g. eu-west).,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// RetentionDays is how long transcripts are kept; default 30.
	RetentionDays int `yaml:"transcript_retention_days" json:"transcript_retention_days,omitempty" jsonschema:"description=Days transcripts are kept. Default 30; an explicit 0 is refused.,minimum=1"`
	// AllowCrossRegion permits moving this environment's data out of its
	// region. Unsafe; off by default.
	AllowCrossRegion bool `yaml:"allow_cross_region" json:"allow_cross_region,omitempty" jsonschema:"description=UNSAFE: allow this environment's data to leave its region. Default false."`
	// Guard names the guard policy of the environment's agents.
	Guard string `yaml:"guard" json:"guard,omitempty" jsonschema:"description=Guard policy of the environment's agents (those that name none). Default guard.default_policy."`
}

// Agent kinds.
const (
	AgentKnowledge = "knowledge"
	AgentOpenAI    = "openai"
)

// Agent is one agent that Palisade protects.
type Agent struct {
	// Name identifies the agent; clients send it as the model.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Unique agent name; clients select it as the model.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Description says what the agent is for.
	Description string `yaml:"description" json:"description,omitempty" jsonschema:"description=What the agent is for; shown in /v1/models."`
	// Environment names the environment the agent runs in.
	Environment string `yaml:"environment" json:"environment" jsonschema:"required,description=Name of the environment the agent runs in."`
	// Kind is "knowledge" (built-in retrieval agent) or "openai" (any
	// OpenAI-compatible model server).
	Kind string `yaml:"kind" json:"kind" jsonschema:"required,enum=knowledge,enum=openai,description=knowledge: built-in agent answering from documents; openai: an OpenAI-compatible model server."`
	// Instructions are the agent's system prompt.
	Instructions string `yaml:"instructions" json:"instructions,omitempty" jsonschema:"description=System instructions given to the model (never shown to users)."`
	// Knowledge lists the agent's knowledge sources.
	Knowledge []KnowledgeSource `yaml:"knowledge" json:"knowledge,omitempty" jsonschema:"description=Knowledge sources (directories of Markdown or text files)."`
	// Upstream is the model server for "openai" agents.
	Upstream *Upstream `yaml:"upstream" json:"upstream,omitempty" jsonschema:"description=The OpenAI-compatible model server; required for kind openai."`
	// Timeout bounds one whole answer, streaming included.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one whole answer. Default 60s."`
	// Guard names the agent's guard policy.
	Guard string `yaml:"guard" json:"guard,omitempty" jsonschema:"description=Guard policy of this agent. Default its environment's."`
	// Tools names the tools (defined under tools) the agent may call.
	Tools []string `yaml:"tools" json:"tools,omitempty" jsonschema:"description=Names of tools (defined under tools) the agent may call. Palisade executes every call\\, for callers whose roles grant the tool (permissions.tools)."`
}

// KnowledgeSource is a directory of documents an agent answers from.
type KnowledgeSource struct {
	// Name identifies the source within its agent.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Source name\\, used in citations and (later) permissions.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Path is the directory of documents; Load and Parse make it absolute
	// (relative paths are relative to the config file's directory).
	Path string `yaml:"path" json:"path" jsonschema:"required,description=Directory of .md and .txt files\\, relative to the config file."`
	// Labels are added to every document of the source, so that reading
	// any of it needs a role granting them.
	Labels []string `yaml:"labels" json:"labels,omitempty" jsonschema:"description=Labels added to every document of the source: only roles granting them (permissions.knowledge) may read it."`
}

// Upstream is an OpenAI-compatible model server.
type Upstream struct {
	// URL is the API base, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1.
	URL string `yaml:"url" json:"url" jsonschema:"required,description=API base URL\\, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1."`
	// Model is the model name sent upstream.
	Model string `yaml:"model" json:"model" jsonschema:"required,description=Model name sent to the server."`
	// APIKey is a reference to the credential (never a literal).
	APIKey string `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=Credential reference such as ${env:OPENAI_API_KEY}; literal keys are refused.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
	// APIKeyHeader names the header carrying the key; default
	// "Authorization" with a Bearer prefix (Azure OpenAI uses "api-key").
	APIKeyHeader string `yaml:"api_key_header" json:"api_key_header,omitempty" jsonschema:"description=Header for the credential. Default Authorization (Bearer). Azure OpenAI uses api-key."`
	// ConnectTimeout bounds connection set-up.
	ConnectTimeout Duration `yaml:"connect_timeout" json:"connect_timeout,omitempty" jsonschema:"description=Time allowed to connect. Default 10s."`
	// FirstByteTimeout bounds the wait for response headers.
	FirstByteTimeout Duration `yaml:"first_byte_timeout" json:"first_byte_timeout,omitempty" jsonschema:"description=Time allowed until the response headers arrive. Default 60s."`
	// Zone lets the URL's host resolve to a private or loopback network
	// (a model server on the local network or the same machine).
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the host may resolve to\\, such as loopback for a model server on this machine. Default none: public addresses only."`
	// AllowInsecureHTTP permits plain http to a non-loopback host. Unsafe.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http" json:"allow_insecure_http,omitempty" jsonschema:"description=UNSAFE: allow plain http to a host that is not loopback. Default false."`
}

// App is a client app or channel allowed to reach agents.
type App struct {
	// Name identifies the app.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Unique app name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Secrets are references to the app's secrets; two may be active at
	// once so they can be rotated without downtime.
	Secrets []string `yaml:"secrets" json:"secrets,omitempty" jsonschema:"maxItems=2,description=References to the app's secrets (${env:NAME}); up to two active at once for rotation. An app needs secrets or client_ids or both.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
	// ClientIDs are the OAuth client ids under which identity providers
	// issue this app's user tokens: a verified token whose azp (or
	// client_id) is one of them comes through this app.
	ClientIDs []string `yaml:"client_ids" json:"client_ids,omitempty" jsonschema:"description=OAuth client ids of this app at the identity providers: a user token issued to one of them (azp or client_id claim) identifies the app."`
	// Agents lists the agents the app may reach.
	Agents []string `yaml:"agents" json:"agents" jsonschema:"required,minItems=1,description=Agents this app may reach."`
	// Origins are the web origins allowed to use the app from a browser.
	Origins []string `yaml:"origins" json:"origins,omitempty" jsonschema:"description=Allowed browser origins (https://host[:port]). Empty means no browser origin is accepted."`
	// TokenTTL is the lifetime of Direct Line tokens issued for this app.
	TokenTTL Duration `yaml:"token_ttl" json:"token_ttl,omitempty" jsonschema:"description=Lifetime of Direct Line tokens. Default 30m."`
}

// Duration is a time.Duration written as a Go duration string ("30s").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
