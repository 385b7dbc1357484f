package config

// Tool is an HTTP operation that agents may call. Palisade executes each
// call itself: it checks that the caller's roles grant the tool, validates
// the arguments against Parameters, injects the credentials, passes the
// user's identity as a signed assertion, calls the tool through the egress
// policy and guards the result before the agent sees it.
type Tool struct {
	// Name identifies the tool; roles grant it in permissions.tools.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Tool name (as models see it); roles grant it in permissions.tools.,pattern=^[a-z0-9][a-z0-9_-]{0\\,63}$"`
	// Description tells a model what the tool does.
	Description string `yaml:"description" json:"description,omitempty" jsonschema:"description=What the tool does and when to use it (a model reads this). Required unless openapi is set\\, whose operation's summary and description are then used."`
	// OpenAPI takes the method, URL and parameters from an operation of
	// an OpenAPI 3 document.
	OpenAPI *ToolOpenAPI `yaml:"openapi" json:"openapi,omitempty" jsonschema:"description=Take the method\\, URL and argument schema from an operation of an OpenAPI 3 document (then leave method\\, url and parameters out)."`
	// Method is the HTTP method.
	Method string `yaml:"method" json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE,description=HTTP method. Default GET. GET and DELETE send the arguments as query parameters\\, the others as a JSON body."`
	// URL is the operation's URL; {name} in the path is filled from an
	// argument.
	URL string `yaml:"url" json:"url,omitempty" jsonschema:"description=Required unless openapi is set. The operation's URL. {name} in the path is replaced by the argument of that name (escaped). It is also the tool's egress destination."`
	// Zone lets the URL's host resolve to a private or loopback network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the host may have: an internal API is reachable only through one."`
	// CAFile is a PEM CA bundle for the tool's certificate.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty" jsonschema:"description=PEM CA bundle trusted for the tool's certificate. Relative to the config file."`
	// Parameters is the JSON Schema of the arguments.
	Parameters map[string]any `yaml:"parameters" json:"parameters,omitempty" jsonschema:"description=JSON Schema (an object schema) of the arguments. Default: no arguments."`
	// Auth is how Palisade authenticates to the tool.
	Auth *ToolAuth `yaml:"auth" json:"auth,omitempty" jsonschema:"description=Credentials Palisade adds to each call\\, from the secret store. At most one of api_key and oauth2."`
	// UserAssertion passes the caller's identity as a signed JWT.
	UserAssertion *ToolAssertion `yaml:"user_assertion" json:"user_assertion,omitempty" jsonschema:"description=Pass the caller's identity as a short-lived JWT signed by Palisade (verify it with the keys at /.well-known/palisade-assertion-keys)."`
	// Query names the arguments sent in the query string even with a
	// JSON body: an OpenAPI operation's query parameters. It is filled
	// from the operation, not written in the file.
	Query []string `yaml:"-" json:"-"`
	// Timeout bounds one call.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one call. Default 10s."`
	// MaxResponseBytes bounds the response body.
	MaxResponseBytes int64 `yaml:"max_response_bytes" json:"max_response_bytes,omitempty" jsonschema:"description=Largest response accepted. Default 262144 (256 KiB).,minimum=1024,maximum=10485760"`
	// Intents let the built-in knowledge agent call the tool.
	Intents []string `yaml:"intents" json:"intents,omitempty" jsonschema:"description=Phrases for the built-in knowledge agent (which has no model): a question close to one of them is answered by calling the tool."`
	// Answer is the knowledge agent's answer template.
	Answer string `yaml:"answer" json:"answer,omitempty" jsonschema:"description=Go text/template the built-in knowledge agent answers with\\, executed on the tool's JSON result\\, such as: You have {{.days_left}} days of leave left."`
}

// ToolAuth holds a tool's credentials.
type ToolAuth struct {
	// APIKey sends a key in a header.
	APIKey *ToolAPIKey `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=Send an API key in a header."`
	// OAuth2 gets a token with the client credentials grant.
	OAuth2 *ToolOAuth2 `yaml:"oauth2" json:"oauth2,omitempty" jsonschema:"description=Get an access token with the OAuth2 client credentials grant (cached until it expires) and send it as a Bearer token."`
}

// ToolAPIKey is an API key sent in a header.
type ToolAPIKey struct {
	// Header names the header.
	Header string `yaml:"header" json:"header,omitempty" jsonschema:"description=Header carrying the key. Default Authorization (with a Bearer prefix)."`
	// Value is a reference to the key.
	Value string `yaml:"value" json:"value" jsonschema:"required,description=Reference to the key\\, such as ${secret:leave-api-key}.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
}

// ToolOAuth2 is an OAuth2 client of the tool's authorization server.
type ToolOAuth2 struct {
	// TokenURL is the token endpoint.
	TokenURL string `yaml:"token_url" json:"token_url" jsonschema:"required,description=Token endpoint of the tool's authorization server (also an egress destination\\, with the tool's zone)."`
	// ClientID is Palisade's client id there.
	ClientID string `yaml:"client_id" json:"client_id" jsonschema:"required,description=Palisade's client id at the authorization server."`
	// ClientSecret is a reference to the client secret.
	ClientSecret string `yaml:"client_secret" json:"client_secret" jsonschema:"required,description=Reference to the client secret\\, such as ${secret:leave-api-client}.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
	// Scopes are requested with the token.
	Scopes []string `yaml:"scopes" json:"scopes,omitempty" jsonschema:"description=Scopes requested."`
}

// ToolAssertion configures the signed user assertion.
type ToolAssertion struct {
	// Header carries the assertion.
	Header string `yaml:"header" json:"header,omitempty" jsonschema:"description=Header carrying the assertion. Default X-Palisade-Assertion."`
	// Audience is the assertion's aud claim.
	Audience string `yaml:"audience" json:"audience" jsonschema:"required,description=The aud claim: the tool's identifier\\, which it checks."`
}

// ToolOpenAPI names an operation of an OpenAPI 3 document.
type ToolOpenAPI struct {
	// Spec is the document's file.
	Spec string `yaml:"spec" json:"spec" jsonschema:"required,description=OpenAPI 3 document (JSON or YAML)\\, relative to the config file. It must be self-contained: references to other files or URLs are refused."`
	// Operation is the operationId.
	Operation string `yaml:"operation" json:"operation" jsonschema:"required,description=The operationId of the operation the tool calls."`
	// Server replaces the document's server URL.
	Server string `yaml:"server" json:"server,omitempty" jsonschema:"description=Base URL to call instead of the document's first server (for example the internal address of the API)."`
}
