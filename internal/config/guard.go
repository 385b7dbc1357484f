package config

// Guard configures the content guard: named policies (what to do with
// personal data, health data, secrets, prompt injection and unsafe output,
// in each direction), custom detectors and an optional external
// prompt-injection classifier. An agent uses the policy it names, else its
// environment's, else guard.default_policy, else the built-in "default";
// every policy starts from the built-in default and changes only what it
// sets, so leaving a key out is always the safe choice.
type Guard struct {
	// DefaultPolicy names the policy of agents and environments that name
	// none; empty means the built-in "default".
	DefaultPolicy string `yaml:"default_policy" json:"default_policy,omitempty" jsonschema:"description=Policy of agents and environments that name none. Default the built-in policy named default."`
	// Policies are the named guard policies.
	Policies []GuardPolicy `yaml:"policies" json:"policies,omitempty" jsonschema:"description=Named guard policies. Each starts from the built-in default and changes only what it sets."`
	// Detectors are custom detectors, run with the built-in ones.
	Detectors []GuardDetector `yaml:"detectors" json:"detectors,omitempty" jsonschema:"description=Custom detectors: an RE2 pattern\\, optional keywords\\, validator and context words."`
	// Classifier is an external prompt-injection classifier.
	Classifier *GuardClassifier `yaml:"classifier" json:"classifier,omitempty" jsonschema:"description=An external prompt-injection classifier (Prompt Shields or a text-classification endpoint such as Prompt Guard)."`
}

// GuardPolicy is one named guard policy.
type GuardPolicy struct {
	// Name identifies the policy; agents and environments name it.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Unique policy name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Inbound applies to what clients send.
	Inbound GuardRules `yaml:"inbound" json:"inbound,omitempty" jsonschema:"description=Actions on what clients send. Built-in default: pii redact\\, phi redact\\, secret block\\, injection block\\, custom redact."`
	// Outbound applies to what agents answer.
	Outbound GuardRules `yaml:"outbound" json:"outbound,omitempty" jsonschema:"description=Actions on what agents answer. Built-in default: pii audit (card\\, IBAN\\, SSN and national ids redact)\\, phi redact\\, secret redact\\, output redact (system_prompt_leak block)\\, custom redact."`
	// Content is what happens to third-party content (retrieved documents,
	// tool output) in which instructions are found.
	Content string `yaml:"content" json:"content,omitempty" jsonschema:"enum=neutralize,enum=drop,enum=audit,description=Instructions found in retrieved documents and tool output: neutralize (replace them with a marker)\\, drop (withhold the content) or audit (UNSAFE: pass them to the model). Default neutralize."`
	// RestoreInAnswer gives users back their own redacted values.
	RestoreInAnswer *bool `yaml:"restore_in_answer" json:"restore_in_answer,omitempty" jsonschema:"description=Give users back\\, in the answer\\, their own values that were redacted before the model saw them (OpenAI API). Default true."`
	// LinkHosts are the hosts answers may link to or load images from.
	LinkHosts []string `yaml:"link_hosts" json:"link_hosts,omitempty" jsonschema:"description=Hosts an answer may link to or embed images from (*.example.com for subdomains). Links elsewhere are removed. Default none."`
	// EscapeHTML lists the channels whose answers have HTML escaped.
	EscapeHTML []string `yaml:"escape_html" json:"escape_html,omitempty" jsonschema:"description=Channels (openai\\, directline) whose answers have HTML escaped. Default [directline]."`
	// MaxBytes bounds the text the guard inspects.
	MaxBytes int `yaml:"max_bytes" json:"max_bytes,omitempty" jsonschema:"description=Largest message or answer inspected\\, in bytes. Default 1048576.,minimum=1024,maximum=67108864"`
	// Oversize is what happens to a larger text.
	Oversize string `yaml:"oversize" json:"oversize,omitempty" jsonschema:"enum=refuse,enum=truncate,description=A text over max_bytes: refuse (413 content_too_large) or truncate (inspect and keep the first max_bytes). Default refuse."`
	// StreamHoldback is how much of a streaming answer is held back.
	StreamHoldback int `yaml:"stream_holdback" json:"stream_holdback,omitempty" jsonschema:"description=Bytes of a streaming answer held back so a value split across chunks is caught before release. Default 128.,minimum=32,maximum=65536"`
	// Classifier asks the configured external classifier too.
	Classifier *bool `yaml:"classifier" json:"classifier,omitempty" jsonschema:"description=Ask guard.classifier about user messages and third-party content. Default true when a classifier is configured."`
}

// GuardRules are the actions on findings flowing one way: per category
// and per type. Each action is allow, audit, mask, redact or block.
type GuardRules struct {
	PII       string `yaml:"pii" json:"pii,omitempty" jsonschema:"enum=allow,enum=audit,enum=mask,enum=redact,enum=block,description=Personal data: e-mail\\, phone\\, card\\, IBAN\\, national ids\\, IP\\, date of birth\\, address\\, names."`
	PHI       string `yaml:"phi" json:"phi,omitempty" jsonschema:"enum=allow,enum=audit,enum=mask,enum=redact,enum=block,description=Health information tied to a person."`
	Secret    string `yaml:"secret" json:"secret,omitempty" jsonschema:"enum=allow,enum=audit,enum=mask,enum=redact,enum=block,description=Credentials: cloud keys\\, tokens\\, private keys\\, passwords."`
	Injection string `yaml:"injection" json:"injection,omitempty" jsonschema:"enum=allow,enum=audit,enum=redact,enum=block,description=Prompt injection\\, jailbreak\\, prompt extraction\\, hidden text (inbound only)."`
	Output    string `yaml:"output" json:"output,omitempty" jsonschema:"enum=allow,enum=audit,enum=redact,enum=block,description=Unsafe answer content: links and images to other sites\\, a leaked system prompt (outbound only)."`
	Custom    string `yaml:"custom" json:"custom,omitempty" jsonschema:"enum=allow,enum=audit,enum=mask,enum=redact,enum=block,description=Findings of custom detectors in category custom."`
	// Types set the action of single finding types, over their category's.
	Types map[string]string `yaml:"types" json:"types,omitempty" jsonschema:"description=Action per finding type (credit_card: block)\\, over its category's."`
	// MinConfidence is the confidence below which findings are ignored.
	MinConfidence *float64 `yaml:"min_confidence" json:"min_confidence,omitempty" jsonschema:"description=Findings below this confidence are ignored. Default 0.5.,minimum=0,maximum=1"`
}

// GuardDetector is a custom detector.
type GuardDetector struct {
	// Type is the finding type it reports.
	Type string `yaml:"type" json:"type" jsonschema:"required,description=Finding type reported (e.g. employee_id).,pattern=^[a-z][a-z0-9_]{0\\,63}$"`
	// Category decides which policy rule applies.
	Category string `yaml:"category" json:"category,omitempty" jsonschema:"enum=pii,enum=phi,enum=secret,enum=custom,description=Category of the findings. Default custom."`
	// Pattern is an RE2 regular expression.
	Pattern string `yaml:"pattern" json:"pattern" jsonschema:"required,description=RE2 regular expression; the whole match is the finding."`
	// Keywords must occur (case-insensitive) for the pattern to run.
	Keywords []string `yaml:"keywords" json:"keywords,omitempty" jsonschema:"description=Words of which one must occur in the text for the pattern to run (a cheap pre-filter)."`
	// Validator checks a match.
	Validator string `yaml:"validator" json:"validator,omitempty" jsonschema:"enum=luhn,enum=iban,enum=us_ssn,enum=verhoeff,description=Checksum a match must pass."`
	// Context words raise confidence when they occur just before a match.
	Context []string `yaml:"context" json:"context,omitempty" jsonschema:"description=Words that raise a match's confidence by 0.3 when they occur within 64 bytes before it."`
	// Confidence of a match without context.
	Confidence float64 `yaml:"confidence" json:"confidence,omitempty" jsonschema:"description=Confidence of a match without context words. Default 0.6.,minimum=0,maximum=1"`
}

// GuardClassifier is an external prompt-injection classifier.
type GuardClassifier struct {
	// Protocol is prompt_shields or text_classification.
	Protocol string `yaml:"protocol" json:"protocol" jsonschema:"required,enum=prompt_shields,enum=text_classification,description=prompt_shields: Azure AI Content Safety Prompt Shields; text_classification: a Hugging Face style endpoint returning labels and scores (Prompt Guard)."`
	// URL is the endpoint.
	URL string `yaml:"url" json:"url" jsonschema:"required,description=Full endpoint URL (Prompt Shields: .../contentsafety/text:shieldPrompt?api-version=2024-09-01). https unless loopback."`
	// APIKey is a reference to the credential.
	APIKey string `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=Credential reference such as ${env:NAME}.,pattern=^\\$\\{[a-z][a-z0-9]*:[^\\s${}]+\\}$"`
	// Timeout bounds one call.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one call. Default 2s."`
	// FailOpen allows content when the classifier cannot answer. Unsafe.
	FailOpen bool `yaml:"fail_open" json:"fail_open,omitempty" jsonschema:"description=UNSAFE: allow content when the classifier fails or times out. Default false (refuse)."`
	// Threshold is the attack score that counts.
	Threshold float64 `yaml:"threshold" json:"threshold,omitempty" jsonschema:"description=Score at or above which an attack label counts (text_classification). Default 0.5.,minimum=0,maximum=1"`
	// AttackLabels are the labels meaning attack.
	AttackLabels []string `yaml:"attack_labels" json:"attack_labels,omitempty" jsonschema:"description=Labels meaning attack (text_classification). Default INJECTION\\, JAILBREAK\\, MALICIOUS."`
	// Zone lets the URL's host resolve to a private or loopback network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the host may resolve to. Default none: public addresses only."`
	// AllowInsecureHTTP permits plain http to a host that is not loopback.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http" json:"allow_insecure_http,omitempty" jsonschema:"description=UNSAFE: allow plain http to a host that is not loopback. Default false."`
}
