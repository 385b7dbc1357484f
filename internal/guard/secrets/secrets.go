package secrets

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// ruleID indexes the rules.
type ruleID uint8

// The rules, in the order Rules returns them.
const (
	ruleAWSAccessKey ruleID = iota
	ruleAWSSecretKey
	ruleGCPAPIKey
	ruleGCPServiceAccount
	ruleAzureStorageKey
	ruleGitHubToken
	ruleGitLabToken
	ruleSlackToken
	ruleSlackWebhook
	ruleStripeKey
	ruleOpenAIKey
	ruleAnthropicKey
	ruleNPMToken
	ruleSendGridKey
	ruleTwilioKey
	rulePrivateKey
	ruleJWT
	ruleConnectionString
	rulePassword
	ruleGenericSecret
	numRules
)

// ruleNames are the rule ids, which are also the finding types.
var ruleNames = [numRules]string{
	ruleAWSAccessKey:      "aws_access_key",
	ruleAWSSecretKey:      "aws_secret_key",
	ruleGCPAPIKey:         "gcp_api_key",
	ruleGCPServiceAccount: "gcp_service_account",
	ruleAzureStorageKey:   "azure_storage_key",
	ruleGitHubToken:       "github_token",
	ruleGitLabToken:       "gitlab_token",
	ruleSlackToken:        "slack_token",
	ruleSlackWebhook:      "slack_webhook",
	ruleStripeKey:         "stripe_key",
	ruleOpenAIKey:         "openai_api_key",
	ruleAnthropicKey:      "anthropic_api_key",
	ruleNPMToken:          "npm_token",
	ruleSendGridKey:       "sendgrid_key",
	ruleTwilioKey:         "twilio_key",
	rulePrivateKey:        "private_key",
	ruleJWT:               "jwt",
	ruleConnectionString:  "connection_string",
	rulePassword:          "password",
	ruleGenericSecret:     "generic_secret",
}

// ErrUnknownRule is returned by Options.Validate for a rule id that Rules
// does not list.
var ErrUnknownRule = errors.New("unknown secrets rule")

// Rules returns the ids of all rules. Each id is also the Finding.Type the
// rule reports.
func Rules() []string {
	return slices.Clone(ruleNames[:])
}

// Options selects what a Detector reports.
type Options struct {
	// Rules lists the ids of the rules to run (see Rules); nil runs them
	// all. Unknown ids are ignored by New and reported by Validate.
	Rules []string
	// MinConfidence drops findings with a lower confidence. Zero keeps
	// everything, including documentation examples reported at 0.3 or less.
	MinConfidence float64
}

// Validate reports rule ids that do not exist, so that a typo in
// configuration is an error rather than a rule silently left off.
func (o Options) Validate() error {
	var errs []error
	for _, id := range o.Rules {
		if !slices.Contains(ruleNames[:], id) {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownRule, id))
		}
	}
	return errors.Join(errs...)
}

// Detector finds secrets. It implements detect.Detector and is safe for
// concurrent use.
type Detector struct {
	on  [numRules]bool
	min float64
	m   *matcher
}

var _ detect.Detector = (*Detector)(nil)

// New returns a Detector running the rules opts selects.
func New(opts Options) *Detector {
	d := &Detector{min: opts.MinConfidence}
	if opts.Rules == nil {
		for r := range d.on {
			d.on[r] = true
		}
	}
	for _, id := range opts.Rules {
		if i := slices.Index(ruleNames[:], id); i >= 0 {
			d.on[i] = true
		}
	}
	d.m = newMatcher(func(h handler) bool {
		for _, r := range handlerRules[h] {
			if d.on[r] {
				return true
			}
		}
		return false
	})
	return d
}

// Name returns "secrets", the detector's name in configuration.
func (d *Detector) Name() string { return "secrets" }

// Detect appends the secrets found in text to dst. The findings it appends
// are sorted by Start and do not overlap: where two rules claim overlapping
// text, the more specific rule wins (a private key over anything inside it,
// a structured token over a generic assignment), then the higher
// confidence, then the longer span. Every span starts and ends on a UTF-8
// boundary when text is valid UTF-8.
func (d *Detector) Detect(dst []detect.Finding, text string) []detect.Finding {
	s := state{d: d, text: text, dst: dst, saPos: -1}
	d.m.scan(&s)
	dst = s.dst
	if s.added > 1 {
		base := len(dst) - s.added
		dst = dst[:base+len(resolve(dst[base:]))]
	}
	return dst
}

// state is one Detect call's working memory. It lives on the stack.
type state struct {
	d     *Detector
	text  string
	dst   []detect.Finding
	added int
	// last[r] is the end of rule r's last candidate; keyword hits before it
	// are inside that candidate and are skipped.
	last [numRules]int
	// assignEnd is the end of the last value an assignment reported.
	assignEnd int
	// jwtSkip is the end of the last base64url run tried as a JWT header.
	jwtSkip int
	// run memoises the end of the last unquoted value run, so that operators
	// repeated inside one run do not rescan it.
	runFrom, runTo int
	// saPos is the position of the last "service_account" seen, or -1.
	saPos int
	// endMark and saMark find the next "-----END" and "gserviceaccount"
	// without rescanning text.
	endMark, saMark lazyIndex
}

// hit runs the check for a keyword of handler h that starts at st.
func (s *state) hit(h handler, st int) {
	switch h {
	case hAWSAccess:
		s.awsAccessKey(st)
	case hGCPKey:
		s.gcpAPIKey(st)
	case hAzure:
		s.azureKey(st)
	case hGitHub:
		s.githubToken(st)
	case hGitLab:
		s.gitlabToken(st)
	case hSlack:
		s.slackToken(st)
	case hSlackHook:
		s.slackWebhook(st)
	case hStripe:
		s.stripeKey(st)
	case hOpenAI:
		s.openAIKey(st)
	case hAnthropic:
		s.anthropicKey(st)
	case hNPM:
		s.npmToken(st)
	case hSendGrid:
		s.sendGridKey(st)
	case hTwilio:
		s.twilioKey(st)
	case hPEM:
		s.privateKey(st)
	case hServiceAccount:
		s.saPos = st
	case hJWT:
		s.jwt(st)
	case hURL:
		s.urlCredentials(st)
	case hAssign:
		s.assignment(st)
	case hFlag:
		s.flag(st)
	case hProse:
		s.prose(st)
	}
}

// emit reports text[st:en] as rule r with confidence conf, if r is enabled
// and conf reaches the minimum.
func (s *state) emit(r ruleID, st, en int, conf float64) {
	if en > s.last[r] {
		s.last[r] = en
	}
	if !s.d.on[r] || conf < s.d.min || st >= en {
		return
	}
	s.dst = append(s.dst, detect.Finding{
		Type:       ruleNames[r],
		Category:   detect.Secret,
		Start:      st,
		End:        en,
		Confidence: conf,
	})
	s.added++
}

// resolve sorts fs by position and drops overlapping findings, keeping the
// better of each overlapping pair. It works in place.
func resolve(fs []detect.Finding) []detect.Finding {
	if len(fs) < 2 {
		return fs
	}
	slices.SortFunc(fs, func(a, b detect.Finding) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(b.End, a.End)
	})
	out := fs[:1]
	for _, f := range fs[1:] {
		last := &out[len(out)-1]
		if f.Start < last.End {
			if better(f, *last) {
				*last = f
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

// better reports whether a should be kept over the overlapping b.
func better(a, b detect.Finding) bool {
	pa, pb := priority(a.Type), priority(b.Type)
	if pa != pb {
		return pa < pb
	}
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	return a.End-a.Start > b.End-b.Start
}

// priority ranks finding types by specificity, most specific first.
func priority(typ string) int {
	switch typ {
	case "private_key", "gcp_service_account":
		return 0
	case "connection_string", "aws_secret_key":
		return 2
	case "password":
		return 3
	case "generic_secret":
		return 4
	}
	return 1
}
