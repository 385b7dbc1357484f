package inject

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// A phrase pattern is a short sequence of word sets around one anchor word.
// Between two steps a bounded number of filler words ("all", "of", "the",
// "your"...) may appear, so "ignore ALL of the previous, earlier
// instructions" matches "ignore previous instructions". Matching is greedy
// and never backtracks: each step looks at most gap+1 words ahead, so the
// cost of a pattern is bounded by its length.
//
// Patterns are written in a small notation, compiled once:
//
//	ignore|disregard *4 @prev *3 @instr
//
// Words separated by '|' form a set; a trailing '*' makes a word a prefix
// ("anweisung*" matches "anweisungen"), a leading '*' a suffix of a longer
// compound ("*regeln" matches "datenschutzregeln"; a suffix cannot be an
// anchor); "@name" refers to a named set;
// "*N" allows up to N filler words between its neighbours ("*N@name"
// takes the fillers from a named set, "*N~" accepts any words, for a
// modifier the tables cannot list: "disregard your HR policies"); '^'
// marks the anchor step (the first
// step by default), which is the word the scanner looks for; steps before
// it are matched backwards. Every occurrence of an anchor word costs a
// look at its window, so the anchor is best the step whose words are
// rarest in ordinary text, or already anchors of other patterns: "sent"
// or "updated" would be looked at in every other e-mail. "$end" requires the phrase to end there (a
// sentence break, the end of the window, or a conjunction follows);
// "$colon" requires a ':' right after the previous word (the word after
// the colon may then follow it across that break); "$start" requires the
// phrase to begin a sentence.

// setID names a word set.
type setID uint16

// setMask holds one bit per word set.
type setMask [maxSets / 64]uint64

// has reports whether the set id is in m; a nil m holds no set.
func (m *setMask) has(id setID) bool { return m != nil && m[id>>6]&(1<<(id&63)) != 0 }

func (m *setMask) set(id setID) { m[id>>6] |= 1 << (id & 63) }

func (m *setMask) or(o *setMask) {
	for i := range m {
		m[i] |= o[i]
	}
}

const maxSets = 1024

// vocabulary maps lower-case words to the sets that contain them.
type vocabulary struct {
	exact  map[string]*setMask
	prefix map[string]*setMask
	suffix map[string]*setMask
	// The three maps as tables for classify, built by finalize.
	exactT, prefixT, suffixT strTab
	suf2                     [1 << 12]uint32    // by pre2Key of a suffix's last two bytes: a bit per suffix length
	pre2                     [1 << 12]uint32    // by pre2Key of a prefix's first two bytes: a bit per prefix length
	named                    map[string]setID   // named set -> id
	inline                   map[string]setID   // inline set spec -> id
	words                    map[setID][]string // set id -> members (for anchors)
	nsets                    int
}

func newVocabulary() *vocabulary {
	return &vocabulary{
		exact:  map[string]*setMask{},
		prefix: map[string]*setMask{},
		suffix: map[string]*setMask{},
		named:  map[string]setID{},
		inline: map[string]setID{},
		words:  map[setID][]string{},
	}
}

// pre2Key hashes the first two bytes of a word into 12 bits.
func pre2Key(a, b byte) uint32 { return (uint32(a)<<4 ^ uint32(b)) & (1<<12 - 1) }

// addSet registers a set of words and returns its id.
func (v *vocabulary) addSet(members []string) setID {
	if v.nsets >= maxSets {
		panic("inject: too many word sets")
	}
	id := setID(v.nsets)
	v.nsets++
	for _, w := range members {
		if w == "" {
			continue
		}
		v.words[id] = append(v.words[id], w)
		if strings.HasPrefix(w, "*") {
			x := strings.TrimPrefix(w, "*")
			if len(x) < 3 || len(x) > 31 {
				panic("inject: bad suffix: " + w)
			}
			m := v.suffix[x]
			if m == nil {
				m = new(setMask)
				v.suffix[x] = m
			}
			m.set(id)
			v.suf2[pre2Key(x[len(x)-2], x[len(x)-1])] |= 1 << len(x)
			continue
		}
		if strings.HasSuffix(w, "*") {
			p := strings.TrimSuffix(w, "*")
			if len(p) < 2 {
				panic("inject: prefix too short: " + w)
			}
			if len(p) > 31 {
				panic("inject: prefix too long: " + w)
			}
			m := v.prefix[p]
			if m == nil {
				m = new(setMask)
				v.prefix[p] = m
			}
			m.set(id)
			v.pre2[pre2Key(p[0], p[1])] |= 1 << len(p)
			continue
		}
		m := v.exact[w]
		if m == nil {
			m = new(setMask)
			v.exact[w] = m
		}
		m.set(id)
	}
	return id
}

// finalize folds the sets of each prefix into the longer prefixes and the
// whole words it starts, so that a word's sets are those of its exact
// entry or, failing that, of its longest matching prefix.
func (v *vocabulary) finalize() {
	prefixes := make([]string, 0, len(v.prefix))
	for p := range v.prefix {
		prefixes = append(prefixes, p)
	}
	slices.SortFunc(prefixes, func(a, b string) int { return len(a) - len(b) })
	for i, p := range prefixes {
		for _, q := range prefixes[:i] {
			if len(q) < len(p) && strings.HasPrefix(p, q) {
				v.prefix[p].or(v.prefix[q])
			}
		}
	}
	for w, m := range v.exact {
		for l := 2; l <= len(w); l++ {
			if pm, ok := v.prefix[w[:l]]; ok {
				m.or(pm)
			}
		}
		for l := 3; l < len(w); l++ {
			if sm, ok := v.suffix[w[len(w)-l:]]; ok {
				m.or(sm)
			}
		}
	}
	v.exactT, v.prefixT, v.suffixT = newStrTab(v.exact), newStrTab(v.prefix), newStrTab(v.suffix)
}

// classify returns the sets the lower-case word belongs to (nil for
// none). The result is shared and must not be modified.
func (v *vocabulary) classify(word []byte) *setMask {
	if m, ok := v.exactT.get(word); ok {
		return m
	}
	if len(word) >= 2 {
		lens := v.pre2[pre2Key(word[0], word[1])]
		if len(word) < 31 {
			lens &= 1<<(len(word)+1) - 1
		}
		for lens != 0 {
			l := 31 - bits.LeadingZeros32(lens) // the longest first
			lens &^= 1 << l
			if pm, ok := v.prefixT.get(word[:l]); ok {
				return pm
			}
		}
		n := len(word)
		lens = v.suf2[pre2Key(word[n-2], word[n-1])]
		if n < 32 {
			lens &= 1<<n - 1 // shorter than the word
		}
		for lens != 0 {
			l := 31 - bits.LeadingZeros32(lens)
			lens &^= 1 << l
			if sm, ok := v.suffixT.get(word[n-l:]); ok {
				return sm
			}
		}
	}
	return nil
}

// Step kinds.
const (
	stepSet = iota
	stepEnd
	stepColon
	stepStart
)

type step struct {
	kind uint8
	set  setID
	gap  uint8 // fillers allowed between this step and its neighbour nearer the anchor
	fill setID
	any  bool // any word may fill the gap
}

// checkKind names a refinement run after a pattern matched (see checks.go).
// An enumeration rather than function values keeps the scanning state on
// the stack: a call through a function value would make it escape.
type checkKind uint8

// pattern is one compiled phrase pattern.
type pattern struct {
	typ      string
	conf     float64
	steps    []step
	anchor   int
	check    checkKind
	spec     string
	indirect bool // typ is TypeIndirectInstruction: Content mode only
}

// compile parses a pattern in the notation above.
func (v *vocabulary) compile(typ string, conf float64, spec string, check checkKind) (*pattern, error) {
	p := &pattern{typ: typ, conf: conf, check: check, spec: spec, anchor: -1, indirect: typ == TypeIndirectInstruction}
	fill, ok := v.named["fill"]
	if !ok {
		return nil, fmt.Errorf("pattern %q: no filler set", spec)
	}
	type gapSpec struct {
		n    uint8
		fill setID
		any  bool
	}
	var gaps []gapSpec // gaps[i]: between steps i and i+1
	pending := gapSpec{0, fill, false}
	for _, item := range strings.Fields(spec) {
		if strings.HasPrefix(item, "*") {
			g := item[1:]
			f := fill
			anyWord := strings.HasSuffix(g, "~")
			g = strings.TrimSuffix(g, "~")
			if at := strings.IndexByte(g, '@'); at >= 0 {
				id, ok := v.named[g[at+1:]]
				if !ok {
					return nil, fmt.Errorf("pattern %q: unknown set %q", spec, g[at+1:])
				}
				f = id
				g = g[:at]
			}
			n, err := strconv.Atoi(g)
			if err != nil || n < 0 || n > 8 {
				return nil, fmt.Errorf("pattern %q: bad gap %q", spec, item)
			}
			pending = gapSpec{uint8(n), f, anyWord}
			continue
		}
		if len(p.steps) > 0 {
			gaps = append(gaps, pending)
		}
		pending = gapSpec{0, fill, false}
		if strings.ContainsAny(item, "?()[]{}") {
			return nil, fmt.Errorf("pattern %q: bad step %q", spec, item)
		}
		if strings.HasPrefix(item, "^") {
			if p.anchor >= 0 {
				return nil, fmt.Errorf("pattern %q: two anchors", spec)
			}
			p.anchor = len(p.steps)
			item = item[1:]
		}
		var st step
		switch {
		case item == "$end":
			st.kind = stepEnd
		case item == "$colon":
			st.kind = stepColon
		case item == "$start":
			st.kind = stepStart
		case strings.HasPrefix(item, "@") && !strings.Contains(item, "|"):
			id, ok := v.named[item[1:]]
			if !ok {
				return nil, fmt.Errorf("pattern %q: unknown set %q", spec, item)
			}
			st.set = id
		default:
			id, ok := v.inline[item]
			if !ok {
				var members []string
				for _, m := range strings.Split(item, "|") {
					if strings.HasPrefix(m, "@") {
						nid, ok := v.named[m[1:]]
						if !ok {
							return nil, fmt.Errorf("pattern %q: unknown set %q", spec, m)
						}
						members = append(members, v.words[nid]...)
						continue
					}
					members = append(members, m)
				}
				// Sets with the same members share an id.
				members = slices.Compact(slices.Sorted(slices.Values(members)))
				key := strings.Join(members, "|")
				if id, ok = v.inline[key]; !ok {
					id = v.addSet(members)
					v.inline[key] = id
				}
				v.inline[item] = id
			}
			st.set = id
		}
		p.steps = append(p.steps, st)
	}
	if p.anchor < 0 {
		p.anchor = 0
	}
	if p.steps[p.anchor].kind != stepSet {
		return nil, fmt.Errorf("pattern %q: anchor must be a word set", spec)
	}
	for i := range gaps {
		// The gap belongs to the step farther from the anchor.
		k := i
		if i+1 > p.anchor {
			k = i + 1
		}
		p.steps[k].gap, p.steps[k].fill, p.steps[k].any = gaps[i].n, gaps[i].fill, gaps[i].any
	}
	return p, nil
}

// mask returns the set membership of t, computing it once.
func (w *window) mask(v *vocabulary, t *token) *setMask {
	if !t.masks {
		t.mask = w.classify(v, t.s, t.e)
		t.masks = true
	}
	return t.mask
}

// match checks the pattern around the anchor held by w. It returns the
// matched byte span.
func (p *pattern) match(v *vocabulary, w *window, conj setID) (s, e int, ok bool) {
	// Forward steps.
	idx := 0
	afterColon := false
	for k := p.anchor + 1; k < len(p.steps); k++ {
		st := &p.steps[k]
		switch st.kind {
		case stepEnd:
			t := w.fwdTok(idx + 1)
			if t != nil && !t.brk && !w.mask(v, t).has(conj) {
				return 0, 0, false
			}
			continue
		case stepColon:
			if !colonAfter(w.text, w.fwd[idx].e) {
				return 0, 0, false
			}
			afterColon = true
			continue
		case stepStart:
			return 0, 0, false
		}
		skipped := uint8(0)
		for {
			t := w.fwdTok(idx + 1)
			if t == nil || (t.brk && !(afterColon && skipped == 0)) {
				return 0, 0, false
			}
			m := w.mask(v, t)
			if m.has(st.set) {
				idx++
				break
			}
			if skipped < st.gap && (st.any || m.has(st.fill)) {
				idx++
				skipped++
				continue
			}
			return 0, 0, false
		}
		afterColon = false
	}
	e = w.fwd[idx].e
	s = w.fwd[0].s
	// Backward steps.
	bi := 0 // number of backward words consumed
	for k := p.anchor - 1; k >= 0; k-- {
		st := &p.steps[k]
		if st.kind == stepStart {
			if bi == 0 {
				if !w.sentenceStart() {
					return 0, 0, false
				}
			} else if t := w.backTok(bi + 1); t != nil && !w.backTok(bi).brk {
				return 0, 0, false
			}
			continue
		}
		if st.kind != stepSet {
			return 0, 0, false
		}
		skipped := uint8(0)
		for {
			t := w.backTok(bi + 1)
			if t == nil {
				return 0, 0, false
			}
			// A break between t and the word after it.
			var brk bool
			if bi == 0 {
				brk = w.sentenceStart()
			} else {
				brk = w.backTok(bi).brk
			}
			if brk {
				return 0, 0, false
			}
			m := w.mask(v, t)
			if m.has(st.set) {
				bi++
				s = t.s
				break
			}
			if skipped < st.gap && (st.any || m.has(st.fill)) {
				bi++
				skipped++
				continue
			}
			return 0, 0, false
		}
	}
	return s, e, true
}

// colonAfter reports whether a ':' (or a fullwidth '：') follows position i,
// after optional spaces.
func colonAfter(text string, i int) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	if i < len(text) && text[i] == ':' {
		return true
	}
	return strings.HasPrefix(text[i:], "：")
}
