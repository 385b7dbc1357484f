package secrets

import (
	"math/bits"
	"strings"
	"unsafe"
)

// The keyword pre-filter. Every rule names the literal keywords that must
// occur in text before its check can match ("ghp_", "AKIA", "-----BEGIN",
// "accountkey"…). Instead of looking for each keyword in turn, the matcher
// picks for every keyword an "anchor" byte other than its first, chosen to
// be rare in ordinary text, and looks for the pair of bytes that ends there.
// Each byte's entry in a 256-entry class table holds two nibbles: the low
// one says in which of four groups the byte is an anchor, the high one in
// which groups it may come just before an anchor. The scan gathers the
// entries of eight bytes into one word and keeps the bytes whose anchor
// bits meet the neighbour bits of the byte before them, a few shifts and
// masks per eight bytes with no branch per byte. Only there does it compare
// the keywords anchored on that byte. Ordinary prose holds few such pairs,
// so text without any candidate costs a table look-up per byte and little
// else.

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
	lit  string // lower case when fold is set
	fold bool   // match ASCII letters in either case
	h    handler
	at   int // if set, 1 + the index of the anchor byte, chosen by hand
	// anchor is the index in lit of the byte the scan looks for; never 0
	// in a keyword of more than one byte, whose byte before the anchor the
	// scan checks too.
	anchor int
	// prev, for a keyword of one byte, lists the bytes that may precede it
	// where its check can report anything; empty means any byte.
	prev string
}

// keywords lists every keyword of every rule. Structured tokens are matched
// case-sensitively, as issued; configuration words fold case. Anchors set
// by hand (at) end a pair rare in prose, such as "AB", "xo", "ke" or "-B",
// and move no keyword's check past another's that could change its result.
var keywords = []keyword{
	{lit: "AKIA", h: hAWSAccess}, {lit: "ASIA", h: hAWSAccess},
	{lit: "ABIA", h: hAWSAccess, at: 2}, {lit: "ACCA", h: hAWSAccess},
	{lit: "A3T", h: hAWSAccess, at: 2},
	{lit: "AIza", h: hGCPKey, at: 3},
	{lit: "accountkey", fold: true, h: hAzure},
	{lit: "ghp_", h: hGitHub}, {lit: "gho_", h: hGitHub}, {lit: "ghu_", h: hGitHub},
	{lit: "ghs_", h: hGitHub}, {lit: "ghr_", h: hGitHub}, {lit: "github_pat_", h: hGitHub},
	{lit: "glpat-", h: hGitLab}, {lit: "gloas-", h: hGitLab}, {lit: "gldt-", h: hGitLab},
	{lit: "glrt-", h: hGitLab}, {lit: "glcbt-", h: hGitLab}, {lit: "glptt-", h: hGitLab},
	{lit: "glft-", h: hGitLab}, {lit: "glimt-", h: hGitLab}, {lit: "glagent-", h: hGitLab},
	{lit: "glsoat-", h: hGitLab}, {lit: "glffct-", h: hGitLab}, {lit: "GR1348941", h: hGitLab, at: 2},
	{lit: "xoxb-", h: hSlack, at: 2}, {lit: "xoxp-", h: hSlack, at: 2}, {lit: "xoxa-", h: hSlack, at: 2},
	{lit: "xoxs-", h: hSlack, at: 2}, {lit: "xoxe-", h: hSlack, at: 2}, {lit: "xoxr-", h: hSlack, at: 2},
	{lit: "xoxo-", h: hSlack, at: 2}, {lit: "xapp-", h: hSlack, at: 2},
	{lit: "hooks.slack.com/", h: hSlackHook},
	{lit: "sk_live_", h: hStripe}, {lit: "rk_live_", h: hStripe},
	{lit: "sk_test_", h: hStripe}, {lit: "rk_test_", h: hStripe},
	{lit: "sk-", h: hOpenAI},
	{lit: "sk-ant-", h: hAnthropic},
	{lit: "npm_", h: hNPM},
	{lit: "SG.", h: hSendGrid},
	{lit: "SK", h: hTwilio},
	{lit: "-----BEGIN", h: hPEM, at: 5},
	{lit: "service_account", h: hServiceAccount},
	{lit: "eyJ", h: hJWT},
	{lit: "://", h: hURL},
	{lit: "=", h: hAssign, prev: assignPrev}, {lit: ":", h: hAssign, prev: assignPrev},
	{lit: "--", h: hFlag, at: 2},
	// Names of the prose rule, anchored on pairs rare in prose: "sw"
	// rather than "pa" or "as", "ke" and "ok". "passw" stands for
	// password, passwort and passwd.
	{lit: "passw", fold: true, h: hProse, at: 5}, {lit: "contraseña", fold: true, h: hProse, at: 10},
	{lit: "_secret", fold: true, h: hProse, at: 2}, {lit: "token", fold: true, h: hProse},
	{lit: "key", fold: true, h: hProse, at: 2},
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
	// class[b] holds in its low nibble a bit for each filter group in
	// which b is an anchor byte, and in its high nibble a bit for each
	// group whose keywords accept b just before their anchor.
	class [256]uint8
	// lane[j][b] is class[b] shifted to byte j of a word: four look-ups
	// and three ORs gather the classes of four bytes.
	lane [4][256]uint32
	// byAnchor[b] lists indexes into kws of the keywords anchored on b.
	byAnchor [256][]uint8
	kws      []keyword
	// one[b] is 1 + the handler of the keyword of one byte b, or 0.
	one [256]uint8
	// noSkip turns skip64 off (skip.go): the reference the tests
	// compare it with.
	noSkip bool
}

// filterGroup returns the filter group, 1 to 3, of the keywords anchored on
// b; keywords of one byte form group 0. A group stands for the pairs of
// any of its anchors with any byte one of them accepts before it, so the
// groups keep apart the anchors whose neighbours would make common pairs
// ("ow", "se", "ok"). They were chosen by counting the pairs each grouping
// lets through in e-mail prose, chat and Go code.
func filterGroup(b byte) uint8 {
	switch b {
	case 'K', 'k', 'z', 'J', '_', 0xB1:
		return 1
	case '-', '/', 'R', 'G', 'W', 'w':
		return 2
	}
	return 3
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
		idx := uint8(len(m.kws))
		m.kws = append(m.kws, k)
		for _, b := range variants(k, k.anchor) {
			g := uint8(0)
			if len(k.lit) > 1 {
				g = filterGroup(b)
			}
			m.class[b] |= 1 << g
			m.byAnchor[b] = append(m.byAnchor[b], idx)
			if len(k.lit) == 1 {
				if m.one[b] != 0 {
					panic("secrets: two keywords of one byte " + k.lit)
				}
				m.one[b] = uint8(k.h) + 1
			}
			switch {
			case len(k.lit) > 1:
				for _, c := range variants(k, k.anchor-1) {
					m.class[c] |= 0x10 << g
				}
			case k.prev != "":
				for i := 0; i < len(k.prev); i++ {
					m.class[k.prev[i]] |= 0x10 << g
				}
			default:
				for c := range m.class {
					m.class[c] |= 0x10 << g
				}
			}
		}
	}
	for j := range m.lane {
		for b, c := range m.class {
			m.lane[j][b] = uint32(c) << (8 * j)
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
// it, since one stop serves them all. The first byte of a longer keyword
// is never picked, so that the byte before the anchor is part of it.
func pickAnchor(k keyword, shared *[256]float64) int {
	best, bestCost := 0, -1.0
	for i := min(1, len(k.lit)-1); i < len(k.lit); i++ {
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
	// The neighbour bits of the byte before the text: it may precede any
	// anchor.
	prev := uint64(0xF)
	i := 0
	skip := m.useSkip() && len(t) >= 16
	if skip {
		// The first sixteen bytes, which skip64 cannot read with the byte
		// before them.
		var h0, h1 uint64
		if _, h0, h1, prev = m.filter(t[:16], 0, prev); h0|h1 != 0 {
			m.candidates(s, 0, h0, h1)
		}
		i = 16
	}
	for {
		// skip64 passes the blocks of 64 bytes without a candidate; the
		// filter finds the candidates of the block it stops at. Even
		// where candidates lie close together (code, documentation)
		// this beats the filter alone.
		if skip {
			if j := skip64(unsafe.StringData(t), len(t), i, &m.class); j > i {
				i, prev = j, uint64(m.class[t[j-1]]>>4)
			}
		}
		var h0, h1 uint64
		if i, h0, h1, prev = m.filter(t, i, prev); h0|h1 == 0 {
			break
		}
		m.candidates(s, i, h0, h1)
		i += 16
	}
	// The last bytes, one at a time.
	for ; i < len(t); i++ {
		c := m.class[t[i]]
		if uint64(c)&prev != 0 {
			m.at(s, i)
		}
		prev = uint64(c >> 4)
	}
}

// filter looks at sixteen bytes at a time from i on, prev holding the
// neighbour bits of the byte before i in its low nibble, for the first
// sixteen that hold a candidate. It returns their offset, the candidates
// of their two halves as nibbles of h0 and h1, and the neighbour bits of
// their last byte; or, with h0 and h1 zero, the offset of the fewer than
// sixteen bytes left and the neighbour bits of the byte before them. It
// makes no call, so that the loop keeps its values in registers.
func (m *matcher) filter(t string, i int, prev uint64) (int, uint64, uint64, uint64) {
	l0, l1, l2, l3 := &m.lane[0], &m.lane[1], &m.lane[2], &m.lane[3]
	for ; i <= len(t)-16; i += 16 {
		w := t[i : i+16]
		v0 := uint64(l0[w[0]]|l1[w[1]]|l2[w[2]]|l3[w[3]]) |
			uint64(l0[w[4]]|l1[w[5]]|l2[w[6]]|l3[w[7]])<<32
		v1 := uint64(l0[w[8]]|l1[w[9]]|l2[w[10]]|l3[w[11]]) |
			uint64(l0[w[12]]|l1[w[13]]|l2[w[14]]|l3[w[15]])<<32
		// Each byte's anchor bits where the byte before it sets the
		// matching neighbour bits: shifting a word left by four moves
		// every byte's neighbour nibble onto the next byte's anchor
		// nibble.
		h0 := v0 & (v0<<4 | prev)
		h1 := v1 & (v1<<4 | v0>>60)
		prev = v1 >> 60
		if (h0|h1)&0x0F0F0F0F0F0F0F0F != 0 {
			return i, h0 & 0x0F0F0F0F0F0F0F0F, h1 & 0x0F0F0F0F0F0F0F0F, prev
		}
	}
	return i, 0, 0, prev
}

// candidates checks the keywords at the candidates of the sixteen bytes
// from i on, which h0 and h1 mark with a non-zero nibble each.
func (m *matcher) candidates(s *state, i int, h0, h1 uint64) {
	const low = 0x0101010101010101
	// A bit per byte: gather bit 0 of every byte into the top byte.
	const lanes = 0x0102040810204080
	// Where only group 0 fired, only the keyword of one byte there can
	// match: the operators, most candidates in prose, skip at's loop.
	o0 := h0 &^ (h0>>1 | h0>>2 | h0>>3) & low
	o1 := h1 &^ (h1>>1 | h1>>2 | h1>>3) & low
	one := o0*lanes>>56 | o1*lanes>>56<<8
	h0 |= h0 >> 2
	h0 |= h0 >> 1
	h1 |= h1 >> 2
	h1 |= h1 >> 1
	c := (h0&low)*lanes>>56 | (h1&low)*lanes>>56<<8
	for ; c != 0; c &= c - 1 {
		j := bits.TrailingZeros64(c)
		if p := i + j; one>>j&1 != 0 {
			s.hit(handler(m.one[s.text[p]]-1), p)
		} else {
			m.at(s, p)
		}
	}
}

// at checks the keywords anchored on the byte at p.
func (m *matcher) at(s *state, p int) {
	t := s.text
	for _, ki := range m.byAnchor[t[p]] {
		k := &m.kws[ki]
		st := p - k.anchor
		end := st + len(k.lit)
		if st < 0 || end > len(t) {
			continue
		}
		// The anchor byte matches. The byte before it next, as the
		// filter kept p for any keyword of its group; then the rest.
		if k.anchor > 0 {
			if c, want := t[p-1], k.lit[k.anchor-1]; c != want && (!k.fold || lower(c) != want) {
				continue
			}
		}
		if len(k.lit) > 2 && !k.matches(t[st:end]) {
			continue
		}
		s.hit(k.h, st)
	}
}

// matches reports whether s, of k's length, is k's literal.
func (k *keyword) matches(s string) bool {
	if k.fold {
		return equalFoldASCII(s, k.lit)
	}
	return s == k.lit
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
