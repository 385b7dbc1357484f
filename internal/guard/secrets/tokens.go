package secrets

import (
	"hash/crc32"
	"regexp"
	"strings"
)

// Structured tokens: vendor credentials with a fixed prefix and shape. Each
// check runs its regular expression, anchored at the keyword, on a window
// just long enough for the longest token, and requires that the token is not
// glued to further token characters on either side.

var (
	reAWSAccess   = regexp.MustCompile(`\A(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}`)
	reGCPKey      = regexp.MustCompile(`\AAIza[0-9A-Za-z_-]{35}`)
	reAzure       = regexp.MustCompile(`\A(?i:accountkey)["']?\s{0,4}[=:]\s{0,4}["']?([A-Za-z0-9+/]{86}==)`)
	reGitHub      = regexp.MustCompile(`\Agh[pousr]_[A-Za-z0-9]{36}`)
	reGitHubPAT   = regexp.MustCompile(`\Agithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`)
	reGitLab      = regexp.MustCompile(`\A(?:gl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?|GR1348941[0-9A-Za-z_-]{20})`)
	reSlackBot    = regexp.MustCompile(`\Axoxb-[0-9]{8,14}-[0-9]{8,14}-[0-9A-Za-z]{20,40}`)
	reSlackUser   = regexp.MustCompile(`\Axox[pears]-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[0-9a-f]{28,40}`)
	reSlackApp    = regexp.MustCompile(`\Axapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{10,15}-[0-9a-f]{30,80}`)
	reSlackLoose  = regexp.MustCompile(`\Axox[abeoprs]-[0-9A-Za-z-]{15,250}`)
	reSlackHook   = regexp.MustCompile(`\Ahooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,150}`)
	reSlackHookOK = regexp.MustCompile(`\Ahooks\.slack\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}\z`)
	reStripe      = regexp.MustCompile(`\A[rs]k_(?:live|test)_[0-9A-Za-z]{20,247}`)
	reOpenAI      = regexp.MustCompile(`\Ask-[A-Za-z0-9_-]{20,250}`)
	reAnthropic   = regexp.MustCompile(`\Ask-ant-(?:api|admin|sid|oat|ort)[0-9]{2}-[A-Za-z0-9_-]{32,200}`)
	reNPM         = regexp.MustCompile(`\Anpm_[A-Za-z0-9]{36}`)
	reSendGrid    = regexp.MustCompile(`\ASG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`)
	reTwilio      = regexp.MustCompile(`\ASK[0-9a-fA-F]{32}`)
)

// Confidence levels.
const (
	confChecksum   = 0.99 // prefix, shape and a verified checksum
	confMarker     = 0.95 // prefix, shape and an internal marker
	confStructured = 0.9  // prefix and shape
	confExample    = 0.25 // a documented example or placeholder
)

// matchAt runs re, which must begin with \A, on text from st on, looking at
// most max bytes ahead. It returns the end of the match, or -1.
func (s *state) matchAt(re *regexp.Regexp, st, max int) int {
	loc := re.FindStringIndex(s.text[st:min(len(s.text), st+max)])
	if loc == nil {
		return -1
	}
	return st + loc[1]
}

// token matches a structured token at st: the byte before st and the byte
// after the match must both be outside class edge. It returns the end of
// the token, or -1.
func (s *state) token(re *regexp.Regexp, st, max int, edge uint8) int {
	if !boundary(s.text, st-1, edge) {
		return -1
	}
	en := s.matchAt(re, st, max)
	if en < 0 || !boundary(s.text, en, edge) {
		return -1
	}
	return en
}

// structured reports a token at [st,en) with conf, or at the example
// confidence when the token looks like documentation.
func (s *state) structured(r ruleID, st, en int, conf float64) {
	if exampleLike(s.text[st:en]) {
		conf = min(conf, confExample)
	}
	s.emit(r, st, en, conf)
}

func (s *state) awsAccessKey(st int) {
	if st < s.last[ruleAWSAccessKey] {
		return
	}
	if en := s.token(reAWSAccess, st, 21, cAlnum); en > 0 {
		s.structured(ruleAWSAccessKey, st, en, confStructured)
	}
}

func (s *state) gcpAPIKey(st int) {
	if en := s.token(reGCPKey, st, 40, cB64URL); en > 0 {
		s.structured(ruleGCPAPIKey, st, en, confStructured)
	}
}

// azureKey finds the 88-character account key of an Azure Storage
// connection string ("AccountKey=…==") and reports the key itself.
func (s *state) azureKey(st int) {
	loc := reAzure.FindStringSubmatchIndex(s.text[st:min(len(s.text), st+110)])
	if loc == nil {
		return
	}
	ks, ke := st+loc[2], st+loc[3]
	if ke < len(s.text) && (is(s.text[ke], cBase64) || s.text[ke] == '=') {
		return
	}
	s.structured(ruleAzureStorageKey, ks, ke, confStructured)
}

// githubToken finds GitHub tokens. Classic-format tokens (ghp_, gho_, ghu_,
// ghs_, ghr_) end in a CRC32 checksum of their random part; a token whose
// checksum verifies is reported at 0.99, one that fails at 0.8 since every
// token GitHub issues in this format carries a valid one.
func (s *state) githubToken(st int) {
	if st < s.last[ruleGitHubToken] {
		return
	}
	if strings.HasPrefix(s.text[st:], "github_pat_") {
		if en := s.token(reGitHubPAT, st, 94, cAlnum|cURL); en > 0 {
			s.structured(ruleGitHubToken, st, en, confStructured)
		}
		return
	}
	en := s.token(reGitHub, st, 41, cAlnum|cURL)
	if en < 0 {
		return
	}
	conf := 0.8
	if base62Checksum(s.text[st+4 : en]) {
		conf = confChecksum
	}
	s.structured(ruleGitHubToken, st, en, conf)
}

func (s *state) gitlabToken(st int) {
	if en := s.token(reGitLab, st, 330, cB64URL); en > 0 {
		s.structured(ruleGitLabToken, st, en, confStructured)
	}
}

// slackToken finds Slack bot, user and app tokens in their documented
// shapes (0.9) and other xox?- tokens with enough digits to be real (0.75).
func (s *state) slackToken(st int) {
	if st < s.last[ruleSlackToken] || !boundary(s.text, st-1, cAlnum) {
		return
	}
	const edge = cAlnum | cURL
	for _, re := range []*regexp.Regexp{reSlackBot, reSlackUser, reSlackApp} {
		if en := s.matchAt(re, st, 260); en > 0 && boundary(s.text, en, edge) {
			s.structured(ruleSlackToken, st, en, confStructured)
			return
		}
	}
	en := s.matchAt(reSlackLoose, st, 260)
	if en < 0 || !boundary(s.text, en, edge) {
		return
	}
	digits := 0
	for i := st; i < en; i++ {
		if isDigit(s.text[i]) {
			digits++
		}
	}
	conf := 0.75
	if digits < 6 {
		conf = confExample
	}
	s.structured(ruleSlackToken, st, en, conf)
}

// slackWebhook finds incoming-webhook URLs, reported from the scheme when
// it is present.
func (s *state) slackWebhook(st int) {
	en := s.matchAt(reSlackHook, st, 170)
	if en < 0 || !boundary(s.text, en, cAlnum|cURL|cB64) {
		return
	}
	conf := 0.8
	if reSlackHookOK.MatchString(s.text[st:en]) {
		conf = confStructured
	}
	if exampleLike(s.text[st+len("hooks.slack.com/") : en]) {
		conf = confExample
	}
	from := st
	if strings.HasSuffix(s.text[:st], "https://") {
		from -= len("https://")
	} else if strings.HasSuffix(s.text[:st], "http://") {
		from -= len("http://")
	}
	s.emit(ruleSlackWebhook, from, en, conf)
}

// stripeKey finds secret and restricted Stripe keys. Test-mode keys reach
// no money and are reported at 0.5.
func (s *state) stripeKey(st int) {
	en := s.token(reStripe, st, 260, cAlnum|cURL)
	if en < 0 {
		return
	}
	conf := confStructured
	if s.text[st+3] == 't' {
		conf = 0.5
	}
	s.structured(ruleStripeKey, st, en, conf)
}

// openAIKey finds OpenAI keys: project, service-account and admin keys by
// prefix (0.9), and any sk- key carrying the T3BlbkFJ marker (base64 of
// "OpenAI") that OpenAI embeds in its keys (0.95).
func (s *state) openAIKey(st int) {
	if strings.HasPrefix(s.text[st:], "sk-ant-") {
		return
	}
	en := s.token(reOpenAI, st, 254, cAlnum|cURL)
	if en < 0 {
		return
	}
	v := s.text[st:en]
	marker := strings.Contains(v, "T3BlbkFJ")
	prefixed := false
	for _, p := range []string{"sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"} {
		prefixed = prefixed || strings.HasPrefix(v, p)
	}
	switch {
	case marker:
		s.structured(ruleOpenAIKey, st, en, confMarker)
	case prefixed && en-st >= 48:
		s.structured(ruleOpenAIKey, st, en, confStructured)
	}
}

func (s *state) anthropicKey(st int) {
	if en := s.token(reAnthropic, st, 220, cAlnum|cURL); en > 0 {
		s.structured(ruleAnthropicKey, st, en, confStructured)
	}
}

// npmToken finds npm access tokens, which share GitHub's checksum format.
func (s *state) npmToken(st int) {
	en := s.token(reNPM, st, 41, cAlnum|cURL)
	if en < 0 {
		return
	}
	conf := 0.8
	if base62Checksum(s.text[st+4 : en]) {
		conf = confChecksum
	}
	s.structured(ruleNPMToken, st, en, conf)
}

func (s *state) sendGridKey(st int) {
	if en := s.token(reSendGrid, st, 70, cB64URL); en > 0 {
		s.structured(ruleSendGridKey, st, en, confStructured)
	}
}

// twilioKey finds Twilio API key SIDs: SK and 32 hex digits. The shape is
// generic enough that it is reported at 0.9 only with "twilio" nearby, and
// at 0.6 otherwise.
func (s *state) twilioKey(st int) {
	en := s.token(reTwilio, st, 35, cAlnum)
	if en < 0 {
		return
	}
	conf := 0.6
	if containsFold(s.text[max(0, st-160):min(len(s.text), en+64)], "twilio") {
		conf = confStructured
	}
	s.structured(ruleTwilioKey, st, en, conf)
}

// base62Checksum verifies a 36-character GitHub or npm token body: 30
// random characters followed by the CRC32 (IEEE) of those characters,
// written as 6 base62 digits (0-9A-Za-z), most significant first.
func base62Checksum(body string) bool {
	if len(body) != 36 {
		return false
	}
	crc := ^uint32(0)
	for i := 0; i < 30; i++ {
		crc = crc32.IEEETable[byte(crc)^body[i]] ^ (crc >> 8)
	}
	crc = ^crc
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for i := 35; i >= 30; i-- {
		if body[i] != digits[crc%62] {
			return false
		}
		crc /= 62
	}
	return crc == 0
}
