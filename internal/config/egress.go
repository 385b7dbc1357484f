package config

// Egress configures Palisade's one outbound HTTP client. Every call
// Palisade makes (model servers, the classifier, webhooks, tools) goes
// through it: only destinations the configuration names are reachable, and
// an address on a private, loopback, link-local or metadata network only
// through a zone that names it.
type Egress struct {
	// Zones are named sets of network prefixes that destinations may
	// reach although they are private.
	Zones []EgressZone `yaml:"zones" json:"zones,omitempty" jsonschema:"description=Named networks (CIDR prefixes) that an upstream\\, tool or sink may reach although they are private\\, loopback or link-local. The zone loopback (127.0.0.0/8 and ::1) is built in."`
	// Destinations are further allowed destinations, beyond the ones
	// implied by upstream, classifier and export URLs.
	Destinations []EgressDestination `yaml:"destinations" json:"destinations,omitempty" jsonschema:"description=Further destinations Palisade may call (tools\\, internal APIs). Upstream\\, classifier\\, Vault and export URLs are allowed implicitly."`
	// MaxResponseBytes limits every response body read through egress.
	MaxResponseBytes int64 `yaml:"max_response_bytes" json:"max_response_bytes,omitempty" jsonschema:"description=Largest response body accepted from any destination\\, in bytes. Default 10485760 (10 MiB).,minimum=1024"`
}

// EgressZone is a named network.
type EgressZone struct {
	// Name identifies the zone.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Zone name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// CIDRs are the prefixes of the zone.
	CIDRs []string `yaml:"cidrs" json:"cidrs" jsonschema:"required,minItems=1,description=Network prefixes of the zone\\, such as 10.20.0.0/16 or fd00:1::/64."`
}

// EgressDestination allows one destination.
type EgressDestination struct {
	// Name identifies the destination in errors and audit events.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Destination name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// URL gives scheme, host, port and path prefix at once.
	URL string `yaml:"url" json:"url" jsonschema:"required,description=Scheme\\, host\\, port and path prefix allowed\\, such as https://api.example.com/v2/ or https://*.example.com/. The host may start with *. for any subdomain."`
	// Zone lets the destination resolve to the zone's private addresses.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Zone whose addresses the host may resolve to. Default none: public addresses only."`
	// CAFile is a PEM bundle of CAs trusted for this destination.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty" jsonschema:"description=PEM CA bundle trusted for this destination instead of the system roots. Relative to the config file."`
	// ClientCertFile and ClientKey give a client certificate for mTLS.
	ClientCertFile string `yaml:"client_cert_file" json:"client_cert_file,omitempty" jsonschema:"description=PEM client certificate chain for mutual TLS. Relative to the config file."`
	// ClientKey is a reference to the PEM private key of the client
	// certificate, such as ${secret:NAME}.
	ClientKey string `yaml:"client_key" json:"client_key,omitempty" jsonschema:"description=Reference to the PEM private key of the client certificate\\, such as ${secret:leave-api-mtls-key}.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
}
