package secrets

import (
	"math/bits"
	"strings"
)

// The keyword pre-filter. Every rule names the literal keywords that must
// occur in text before its check can match ("ghp_", "AKIA", "-----BEGIN",
// "accountkey"…). Instead of looking for each keyword in turn, the matcher
// picks for every keyword one "anchor" byte, chosen to be rare in ordinary
// text, and scans the text once for any anchor byte, eight bytes at a time
// through a 256-entry table. Only where an anchor byte occurs does it compare
// the keywords anchored on that byte. Prose holds few anchor bytes, so text
// without any candidate costs a table look-up per byte and nothing else.

// handler names the check that runs where a keyword occurs.
type handler uint8

const (
	hAWSAccess handler = iota
	hGCPKey
	hAzure
	hGitHub
	hGitLab
	hSlack
	hSlackHook
	hStripe
	hOpenAI
	hAnthropic
	hNPM
	hSendGrid
	hTwilio
	hPEM
	hServiceAccount
	hJWT
	hURL
	hAssign
	hFlag
	hProse
	numHandlers
)

// keyword is one literal that starts a candidate.
type keyword struct {
	lit    string // lower case when fold is set
	fold   bool   // match ASCII letters in either case
	h      handler
	at     int // if set, 1 + the index of the anchor byte, chosen by hand
	anchor int // index in lit of the byte the scan looks for
	// near is the offset from the anchor (-1 or +1) of a second byte that
	// is compared before the whole keyword, and nearByte its value; near
	// is 0 for one-byte keywords.
	near     int
	nearByte byte
}

// keywords lists every keyword of every rule. Structured tokens are matched
// case-sensitively, as issued; configuration words fold case.
var keywords = []keyword{
	{lit: "AKIA", h: hAWSAccess}, {lit: "ASIA", h: hAWSAccess},
	{lit: "ABIA", h: hAWSAccess}, {lit: "ACCA", h: hAWSAccess},
	{lit: "A3T", h: hAWSAccess},
	{lit: "AIza", h: hGCPKey},
	{lit: "accountkey", fold: true, h: hAzure},
	{lit: "ghp_", h: hGitHub}, {lit: "gho_", h: hGitHub}, {lit: "ghu_", h: hGitHub},
	{lit: "ghs_", h: hGitHub}, {lit: "ghr_", h: hGitHub}, {lit: "github_pat_", h: hGitHub},
	{lit: "glpat-", h: hGitLab}, {lit: "gloas-", h: hGitLab}, {lit: "gldt-", h: hGitLab},
	{lit: "glrt-", h: hGitLab}, {lit: "glcbt-", h: hGitLab}, {lit: "glptt-", h: hGitLab},
	{lit: "glft-", h: hGitLab}, {lit: "glimt-", h: hGitLab}, {lit: "glagent-", h: hGitLab},
	{lit: "glsoat-", h: hGitLab}, {lit: "glffct-", h: hGitLab}, {lit: "GR1348941", h: hGitLab},
	{lit: "xoxb-", h: hSlack}, {lit: "xoxp-", h: hSlack}, {lit: "xoxa-", h: hSlack},
	{lit: "xoxs-", h: hSlack}, {lit: "xoxe-", h: hSlack}, {lit: "xoxr-", h: hSlack},
	{lit: "xoxo-", h: hSlack}, {lit: "xapp-", h: hSlack},
	{lit: "hooks.slack.com/", h: hSlackHook},
	{lit: "sk_live_", h: hStripe}, {lit: "rk_live_", h: hStripe},
	{lit: "sk_test_", h: hStripe}, {lit: "rk_test_", h: hStripe},
	{lit: "sk-", h: hOpenAI},
	{lit: "sk-ant-", h: hAnthropic},
	{lit: "npm_", h: hNPM},
	{lit: "SG.", h: hSendGrid},
	{lit: "SK", h: hTwilio},
	{lit: "-----BEGIN", h: hPEM},
	{lit: "service_account", h: hServiceAccount},
	{lit: "eyJ", h: hJWT},
	{lit: "://", h: hURL},
	{lit: "=", h: hAssign}, {lit: ":", h: hAssign},
	{lit: "--", h: hFlag},
	// Names of the prose rule, anchored on bytes that are already anchors
	// or rare in prose: 'w' rather than 'p' or 's', '_' for "_secret".
	// "passw" stands for password, passwort and passwd.
	{lit: "passw", fold: true, h: hProse, at: 5}, {lit: "contraseña", fold: true, h: hProse, at: 10},
	{lit: "_secret", fold: true, h: hProse, at: 1}, {lit: "token", fold: true, h: hProse},
	{lit: "key", fold: true, h: hProse},
}

// handlerRules lists the rules each handler can report, so that a handler
// whose rules are all disabled is never scanned for.
var handlerRules = [numHandlers][]ruleID{
	hAWSAccess:      {ruleAWSAccessKey},
	hGCPKey:         {ruleGCPAPIKey},
	hAzure:          {ruleAzureStorageKey},
	hGitHub:         {ruleGitHubToken},
	hGitLab:         {ruleGitLabToken},
	hSlack:          {ruleSlackToken},
	hSlackHook:      {ruleSlackWebhook},
	hStripe:         {ruleStripeKey},
	hOpenAI:         {ruleOpenAIKey},
	hAnthropic:      {ruleAnthropicKey},
	hNPM:            {ruleNPMToken},
	hSendGrid:       {ruleSendGridKey},
	hTwilio:         {ruleTwilioKey},
	hPEM:            {rulePrivateKey, ruleGCPServiceAccount},
	hServiceAccount: {ruleGCPServiceAccount},
	hJWT:            {ruleJWT},
	hURL:            {ruleConnectionString},
	hAssign:         {rulePassword, ruleGenericSecret, ruleAWSSecretKey, ruleConnectionString},
	hFlag:           {rulePassword, ruleGenericSecret},
	hProse:          {rulePassword, ruleGenericSecret, ruleAWSSecretKey},
}

// matcher finds keyword occurrences.
type matcher struct {
	anchor [256]uint8 // non-zero for bytes some keyword is anchored on
	// byAnchor[b] lists indexes into kws of the keywords anchored on b.
	byAnchor [256][]uint8
	kws      []keyword
	// near[b] holds, for the anchor byte b, the bytes the keywords
	// anchored on b accept before it (near[b][0]) and after it
	// (near[b][1]), a bit per byte; a keyword of one byte sets them all.
	// An anchor byte whose neighbours no keyword accepts is passed over
	// without a call.
	near [256][2][4]uint64
}

// nearOK reports whether some keyword anchored on the byte at p accepts
// its neighbours.
func (m *matcher) nearOK(t string, p int) bool {
	nb := &m.near[t[p]]
	if p > 0 {
		if c := t[p-1]; nb[0][c>>6]&(1<<(c&63)) != 0 {
			return true
		}
	}
	if p+1 < len(t) {
		if c := t[p+1]; nb[1][c>>6]&(1<<(c&63)) != 0 {
			return true
		}
	}
	return false
}

// newMatcher builds a matcher for the keywords whose handler is wanted.
func newMatcher(want func(handler) bool) *matcher {
	m := &matcher{}
	var wanted []keyword
	for _, k := range keywords {
		if want(k.h) {
			wanted = append(wanted, k)
		}
	}
	// shared[b] counts the keywords that contain byte b (either case for
	// folding keywords): anchoring them all on b costs one stop for all.
	var shared [256]float64
	for _, k := range wanted {
		var seen [256]bool
		for i := 0; i < len(k.lit); i++ {
			for _, b := range variants(k, i) {
				if !seen[b] {
					seen[b] = true
					shared[b]++
				}
			}
		}
	}
	for _, k := range wanted {
		k.anchor = pickAnchor(k, &shared)
		if k.at > 0 {
			k.anchor = k.at - 1
		}
		switch {
		case len(k.lit) == 1:
		case k.anchor > 0:
			k.near, k.nearByte = -1, k.lit[k.anchor-1]
		default:
			k.near, k.nearByte = 1, k.lit[1]
		}
		idx := uint8(len(m.kws))
		m.kws = append(m.kws, k)
		for _, b := range variants(k, k.anchor) {
			m.anchor[b] = 1
			m.byAnchor[b] = append(m.byAnchor[b], idx)
			nb := &m.near[b]
			switch k.near {
			case 0:
				for side := range nb {
					for w := range nb[side] {
						nb[side][w] = ^uint64(0)
					}
				}
			default:
				side := 0
				if k.near > 0 {
					side = 1
				}
				for _, c := range []byte{k.nearByte, upperASCII(k.nearByte)} {
					if c == k.nearByte || k.fold {
						nb[side][c>>6] |= 1 << (c & 63)
					}
				}
			}
		}
	}
	return m
}

// variants returns the bytes that match k.lit[i]: both cases of a letter
// of a folding keyword, else the byte itself.
func variants(k keyword, i int) []byte {
	b := k.lit[i]
	if k.fold && isLetter(b) {
		return []byte{b, b ^ 0x20}
	}
	return []byte{b}
}

// pickAnchor returns the offset of the cheapest byte of k to scan for: the
// one expected least often in text, divided among the keywords that share
// it, since one stop serves them all.
func pickAnchor(k keyword, shared *[256]float64) int {
	best, bestCost := 0, -1.0
	for i := 0; i < len(k.lit); i++ {
		cost := 0.0
		for _, b := range variants(k, i) {
			cost += byteFreq(b) / shared[b]
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
	}
	return best
}

// byteFreq estimates how often b occurs in ten thousand bytes of ordinary
// English text and code.
func byteFreq(b byte) float64 {
	const letters = "etaoinshrdlcumwfgypbvkjxqz"
	// Letter frequencies per 10,000 letters, in the order of letters.
	lowerFreq := [...]float64{1270, 906, 817, 751, 697, 675, 633, 609, 599, 425,
		403, 278, 276, 241, 236, 223, 202, 197, 193, 149, 98, 77, 15, 15, 10, 7}
	// Capitals mostly start words: frequencies of word-initial letters,
	// per 10,000 words, in the same order, I raised for the pronoun.
	upperFreq := [...]float64{280, 1600, 1170, 760, 1200, 230, 780, 420, 280, 320,
		240, 520, 120, 380, 550, 400, 160, 80, 430, 440, 80, 60, 60, 5, 20, 5}
	switch {
	case b >= 'a' && b <= 'z':
		return lowerFreq[strings.IndexByte(letters, b)] * 0.65
	case b >= 'A' && b <= 'Z':
		return upperFreq[strings.IndexByte(letters, b|0x20)] * 0.03
	case b >= '0' && b <= '9':
		return 25
	}
	switch b {
	case ' ':
		return 1500
	case '\n', '.':
		return 150
	case ',':
		return 100
	case ':':
		return 60
	case '-', '"', '\'':
		return 40
	case '/', '_', '=', '(', ')':
		return 15
	}
	return 5
}

// scan reports every keyword occurrence in s.text to s.hit, in the order of
// the occurrences' anchor bytes.
func (m *matcher) scan(s *state) {
	t := s.text
	a := &m.anchor
	n := len(t)
	i := 0
	for ; i+8 <= n; i += 8 {
		// A bit per anchor byte (the table holds 0 or 1): no branch per
		// byte, whose outcome the processor could not predict.
		w := t[i : i+8]
		bits8 := uint(a[w[0]]) | uint(a[w[1]])<<1 | uint(a[w[2]])<<2 | uint(a[w[3]])<<3 |
			uint(a[w[4]])<<4 | uint(a[w[5]])<<5 | uint(a[w[6]])<<6 | uint(a[w[7]])<<7
		for bits8 != 0 {
			if p := i + bits.TrailingZeros(bits8); m.nearOK(t, p) {
				m.at(s, p)
			}
			bits8 &= bits8 - 1
		}
	}
	for ; i < n; i++ {
		if a[t[i]] != 0 && m.nearOK(t, i) {
			m.at(s, i)
		}
	}
}

// at checks the keywords anchored on the byte at p.
func (m *matcher) at(s *state, p int) {
	t := s.text
	for _, ki := range m.byAnchor[t[p]] {
		k := &m.kws[ki]
		if k.near != 0 {
			q := p + k.near
			if q < 0 || q >= len(t) {
				continue
			}
			if c := t[q]; c != k.nearByte && (!k.fold || lower(c) != k.nearByte) {
				continue
			}
		}
		st := p - k.anchor
		end := st + len(k.lit)
		if st < 0 || end > len(t) {
			continue
		}
		if k.fold {
			if !equalFoldASCII(t[st:end], k.lit) {
				continue
			}
		} else if t[st:end] != k.lit {
			continue
		}
		s.hit(k.h, st)
	}
}

// upperASCII returns the upper-case form of an ASCII letter, other bytes
// unchanged.
func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// equalFoldASCII reports whether s equals the lower-case ASCII lit, ignoring
// the case of ASCII letters in s.
func equalFoldASCII(s, lit string) bool {
	if len(s) != len(lit) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lit[i] {
			return false
		}
	}
	return true
}
