package inject

import (
	"fmt"
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
// ("anweisung*" matches "anweisungen"); "@name" refers to a named set;
// "*N" allows up to N filler words between its neighbours ("*N@name"
// takes the fillers from a named set); '^' marks the anchor step (the first
// step by default), which is the word the scanner looks for; steps before
// it are matched backwards. "$end" requires the phrase to end there (a
// sentence break, the end of the window, or a conjunction follows);
// "$colon" requires a ':' right after the previous word; "$start" requires
// the phrase to begin a sentence.

// setMask holds one bit per word set.
type setMask [4]uint64

func (m setMask) has(id uint8) bool { return m[id>>6]&(1<<(id&63)) != 0 }

func (m *setMask) set(id uint8) { m[id>>6] |= 1 << (id & 63) }

func (m *setMask) or(o setMask) { m[0] |= o[0]; m[1] |= o[1]; m[2] |= o[2]; m[3] |= o[3] }

const maxSets = 256

// vocabulary maps lower-case words to the sets that contain them.
type vocabulary struct {
	exact  map[string]setMask
	prefix map[string]setMask
	plens  []int              // distinct prefix lengths, ascending
	pre2   [1 << 10]uint64    // first two bytes of any prefix
	named  map[string]uint8   // named set -> id
	inline map[string]uint8   // inline set spec -> id
	words  map[uint8][]string // set id -> members (for anchors)
	nsets  int
}

func newVocabulary() *vocabulary {
	return &vocabulary{
		exact:  map[string]setMask{},
		prefix: map[string]setMask{},
		named:  map[string]uint8{},
		inline: map[string]uint8{},
		words:  map[uint8][]string{},
	}
}

func pre2Key(a, b byte) uint32 { return uint32(a)<<8 | uint32(b) }

// addSet registers a set of words and returns its id.
func (v *vocabulary) addSet(members []string) uint8 {
	if v.nsets >= maxSets {
		panic("inject: too many word sets")
	}
	id := uint8(v.nsets)
	v.nsets++
	for _, w := range members {
		if w == "" {
			continue
		}
		v.words[id] = append(v.words[id], w)
		if strings.HasSuffix(w, "*") {
			p := strings.TrimSuffix(w, "*")
			if len(p) < 2 {
				panic("inject: prefix too short: " + w)
			}
			m := v.prefix[p]
			m.set(id)
			v.prefix[p] = m
			k := pre2Key(p[0], p[1])
			v.pre2[k>>6] |= 1 << (k & 63)
			found := false
			for _, l := range v.plens {
				if l == len(p) {
					found = true
				}
			}
			if !found {
				v.plens = append(v.plens, len(p))
				for i := len(v.plens) - 1; i > 0 && v.plens[i] < v.plens[i-1]; i-- {
					v.plens[i], v.plens[i-1] = v.plens[i-1], v.plens[i]
				}
			}
			continue
		}
		m := v.exact[w]
		m.set(id)
		v.exact[w] = m
	}
	return id
}

// classify returns the sets the lower-case word belongs to.
func (v *vocabulary) classify(word []byte) setMask {
	m := v.exact[string(word)]
	if len(word) >= 2 {
		k := pre2Key(word[0], word[1])
		if v.pre2[k>>6]&(1<<(k&63)) != 0 {
			for _, l := range v.plens {
				if l > len(word) {
					break
				}
				if pm, ok := v.prefix[string(word[:l])]; ok {
					m.or(pm)
				}
			}
		}
	}
	return m
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
	set  uint8
	gap  uint8 // fillers allowed between this step and its neighbour nearer the anchor
	fill uint8
}

// checkKind names a refinement run after a pattern matched (see checks.go).
// An enumeration rather than function values keeps the scanning state on
// the stack: a call through a function value would make it escape.
type checkKind uint8

// pattern is one compiled phrase pattern.
type pattern struct {
	typ    string
	conf   float64
	steps  []step
	anchor int
	check  checkKind
	spec   string
}

// compile parses a pattern in the notation above.
func (v *vocabulary) compile(typ string, conf float64, spec string, check checkKind) (*pattern, error) {
	p := &pattern{typ: typ, conf: conf, check: check, spec: spec, anchor: -1}
	fill, ok := v.named["fill"]
	if !ok {
		return nil, fmt.Errorf("pattern %q: no filler set", spec)
	}
	type gapSpec struct {
		n    uint8
		fill uint8
	}
	var gaps []gapSpec // gaps[i]: between steps i and i+1
	pending := gapSpec{0, fill}
	for _, item := range strings.Fields(spec) {
		if strings.HasPrefix(item, "*") {
			g := item[1:]
			f := fill
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
			pending = gapSpec{uint8(n), f}
			continue
		}
		if len(p.steps) > 0 {
			gaps = append(gaps, pending)
		}
		pending = gapSpec{0, fill}
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
				id = v.addSet(members)
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
		if i+1 > p.anchor {
			p.steps[i+1].gap, p.steps[i+1].fill = gaps[i].n, gaps[i].fill
		} else {
			p.steps[i].gap, p.steps[i].fill = gaps[i].n, gaps[i].fill
		}
	}
	return p, nil
}

// mask returns the set membership of t, computing it once.
func (w *window) mask(v *vocabulary, t *token) setMask {
	if !t.masks {
		t.mask = v.classify(w.lower(t))
		t.masks = true
	}
	return t.mask
}

// match checks the pattern around the anchor held by w. It returns the
// matched byte span.
func (p *pattern) match(v *vocabulary, w *window, conj uint8) (s, e int, ok bool) {
	// Forward steps.
	idx := 0
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
			continue
		case stepStart:
			return 0, 0, false
		}
		skipped := uint8(0)
		for {
			t := w.fwdTok(idx + 1)
			if t == nil || t.brk {
				return 0, 0, false
			}
			m := w.mask(v, t)
			if m.has(st.set) {
				idx++
				break
			}
			if skipped < st.gap && m.has(st.fill) {
				idx++
				skipped++
				continue
			}
			return 0, 0, false
		}
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
			if skipped < st.gap && m.has(st.fill) {
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
