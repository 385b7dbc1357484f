package inject

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

//go:generate go run ../../../scripts/injecttrain -o model_gen.go

// The scoring layer. The phrase tables catch the wordings they list; an
// attack worded unlike any of them gets through. The scorer looks at a
// sentence as a bag of word classes (lexicon.go) and their order: a verb
// that dismisses something before a noun naming the agent's rules, "you"
// before a word of obligation before a word of submission, a role-play
// frame next to "unrestricted", a request to reveal next to "system" or
// "hidden". A linear model weighs these features; its weights are learned
// from labelled training text by scripts/injecttrain (see model_gen.go for
// what it was trained on) and committed as generated code.
//
// Sentences are found during the main pass, which looks for the rare
// trigger words of the lexicon (a word of a strong class, a word naming
// the conversation, a qualifier such as "hidden"): a pre-filter over each
// word's first bytes and length (wordFilter), then a table of the short
// words (gateTable). A sentence that holds a trigger is read once more at
// its end, and scored when its classes pass the gate (gate). Ordinary
// prose has a handful of triggers in a hundred sentences, so most
// sentences are read once, as before the scorer existed.
//
// A sentence the phrase tables already flagged is not scored again. The
// scorer reports a finding at confidence 0.5 and more (the threshold is
// folded into the model's bias), typed by the classes of the sentence.

// The feature space. Features of the sentence's structure (classes, pairs
// and triples of classes, its opening, its length) have ids of their own;
// the open-ended ones (lexicon words, pairs of them, other words) are
// hashed into regions of their own, so the two kinds never collide.
const (
	lexN = numLexClasses
	triN = numTripleClasses

	fClass   = 0                        // a class occurs
	fOpen    = fClass + lexN            // the sentence opens with a word of the class (an order)
	fPair    = fOpen + lexN             // class a before class b, in one of 3 distance buckets
	fLength  = fPair + lexN*lexN*3      // length in words, 4 buckets
	fCoreN   = fLength + 4              // number of core classes, 0..6
	fShape   = fCoreN + 7               // the sentence's shape: a question, a colon, capitals (shape*)
	fWeak    = fShape + 8               // a weak finding of the phrase tables (below 0.5) overlaps it, by type
	fContent = fWeak + 8                // Content mode: a copy of the features above, then a bias
	fTriple  = fContent + fContent + 1  // classes a, b, c in this order within 8 words
	fWord    = fTriple + triN*triN*triN // a lexicon word, by id
	fBigram  = fWord + 4096             // two lexicon words in a row, hashed
	fToken   = fBigram + bigramBuckets  // another word, hashed
	fEnd     = fToken + tokenBuckets

	bigramBuckets = 4096
	tokenBuckets  = 8192
)

// Shapes of a sentence.
const (
	shapeQuestion = iota // it ends with '?'
	shapeAsks            // it opens with a question word: what, how, can, is ...
	shapeColon           // it holds a ':'
	shapeCaps            // it holds a word in capitals of three letters or more
	shapeQuote           // it holds a quotation mark
	shapeBang            // it ends with '!'
)

// questionWord reports whether the lower-case word opens a question.
func questionWord(w []byte) bool {
	switch string(w) {
	case "what", "what's", "whats", "how", "can", "could", "would", "will", "is", "are", "do", "does",
		"did", "where", "when", "who", "whom", "whose", "which", "why", "should", "may", "might",
		"shall", "am", "was", "were", "have", "has", "any":
		return true
	}
	return false
}

// modelBits is the size of the feature space: 1<<modelBits ids.
const modelBits = 15

// tripleClass maps a class to its index among the classes triples are
// made of (numTripleClasses for none).
var tripleClass = func() (m [numLexClasses]uint8) {
	for i := range m {
		m[i] = numTripleClasses
	}
	for i, c := range []int{lxOverride, lxRules, lxSafety, lxYou, lxAI, lxPrior, lxNew, lxNeg, lxUnbound,
		lxRole, lxReveal, lxSecret, lxSend, lxConv, lxAuthority, lxObey, lxVoid, lxSetup} {
		m[c] = uint8(i)
	}
	return m
}()

// numTripleClasses is how many classes triples are made of.
const numTripleClasses = 18

// Bounds of a scored sentence.
const (
	maxUnitBytes = 320 // a longer run without a break is cut into pieces
	maxUnitWords = 64  // words of a sentence the scorer reads
	maxUnitToks  = 24  // lexicon words a scored sentence keeps
)

// unitState tracks the current sentence during the main pass.
type unitState struct {
	start int  // offset of its first word, -1 before the first word
	trig  bool // a trigger was seen
}

// TrainingUnit is one sentence the scoring layer would score, with its
// feature ids; see TrainingUnits.
type TrainingUnit struct {
	// Start and End are byte offsets of the sentence in the text scanned
	// (which, for text revealed by normalising or decoding, is that text).
	Start, End int
	// Features are the ids of the features present, in [0,
	// ModelFeatures); an id may repeat (a word that occurs twice).
	Features []uint32
}

// TrainingUnits returns the sentences of text that the scoring layer
// scores in mode, with their features, and whether the phrase tables
// alone flag the text (a finding of confidence 0.5 or more). It is meant
// for the generator of the model (scripts/injecttrain); the model's
// weights play no part in the result.
func TrainingUnits(text string, mode Mode) (units []TrainingUnit, phrases bool) {
	var st scanState
	st.e = theEngine
	st.content = mode == Content
	st.text = text
	st.rec = &units
	st.scan()
	fs := finish(st.out)
	corroborate(fs)
	for _, f := range fs {
		if f.Confidence >= 0.5 {
			phrases = true
		}
	}
	return units, phrases
}

// ModelFeatures is the size of the scoring layer's feature space.
const ModelFeatures = 1 << modelBits

// ModelVocabulary is the first id of the open-ended features (words and
// pairs of words, as opposed to word classes and their structure); the
// generator regularises them more strongly, so that the model leans on
// the classes, which carry over to wordings it has not seen.
const ModelVocabulary = fWord

func init() {
	if fEnd > ModelFeatures || len(theLexicon.words) >= fBigram-fWord {
		panic("inject: the feature space is too small")
	}
}

// unitWord notes the word text[s:e], about to become st.lastWord, in the
// current sentence: it starts one, or ends one grown longer than
// maxUnitBytes and starts the next. The ASCII path of the main pass does
// the same inline.
func (st *scanState) unitWord(s, e int) {
	u := &st.unit
	if u.start < 0 {
		u.start = s
	} else if e-u.start > maxUnitBytes {
		st.unitEnd()
		u.start = s
	}
}

// unitCore looks up the ASCII word text[s:e], whose first bytes passed
// the trigger pre-filter or which mixes letters and digits (leetish), and
// notes whether it is a trigger.
func (st *scanState) unitCore(s, e int, leetish bool) {
	t := st.text
	if n := e - s; n <= 8 && s+8 <= len(t) && !leetish {
		x := lower8(load8(t, s))
		if n < 8 {
			x &= 1<<(8*n) - 1
		}
		if theLexicon.gateShort(x, n) != 0 {
			st.unit.trig = true
		}
		return
	}
	lw := st.lw[:e-s]
	for k := s; k < e; k++ {
		lw[k-s] = lowerTab[t[k]]
	}
	ent, ok := theLexicon.lookup(lw)
	if !ok && leetish {
		ent, ok = theLexicon.lookupDigits(lw)
	}
	if ok && ent.trig {
		st.unit.trig = true
	}
}

// hangulWord notes the Korean word text[s:e] in the current sentence.
func (st *scanState) hangulWord(s, e int) {
	st.unitWord(s, e)
	st.lastWord = e
	if e-s <= len(st.lw) {
		lw := append(st.lw[:0], st.text[s:e]...)
		if ent, ok := theLexicon.lookup(lw); ok && ent.trig {
			st.unit.trig = true
		}
	}
}

// unitBreak is called at a sentence break.
func (st *scanState) unitBreak() {
	if st.unit.start >= 0 {
		st.unitEnd()
	}
}

// unitEnd closes the current sentence: it is scored when its classes
// pass the gate.
func (st *scanState) unitEnd() {
	u := &st.unit
	if u.trig && st.lastWord > u.start {
		st.judgeUnit(u.start, st.lastWord)
	}
	*u = unitState{start: -1}
}

// judgeUnit reads the sentence text[s:e], which holds a trigger, and
// scores it when its classes pass the gate.
func (st *scanState) judgeUnit(s, e int) {
	var r unitRead
	st.readUnit(s, e, &r)
	if gate(r.all & lexGate) {
		st.scoreUnit(s, e, &r)
	}
}

// gluedSentence reports whether the '.' at text[i] ends a sentence
// glued to the next one ("reply to this email.If this ..."): a
// lower-case letter before it, an upper-case one after.
func gluedSentence(text string, i int) bool {
	return i > 0 && i+1 < len(text) && text[i-1] >= 'a' && text[i-1] <= 'z' && text[i+1] >= 'A' && text[i+1] <= 'Z'
}

// gate decides whether a sentence with these classes (of lexGate) is
// scored: a strong class with one more, or one of the pairs an
// extraction is made of.
func gate(m uint32) bool {
	const (
		exfil    = 1<<lxSend | 1<<lxConv
		reveal   = 1<<lxReveal | 1<<lxSecret
		history  = 1<<lxReveal | 1<<lxConv
		told     = 1<<lxSetup | 1<<lxYou
		toldAny  = 1<<lxPrior | 1<<lxNeg | 1<<lxReveal | 1<<lxVoid
		shown    = 1<<lxReveal | 1<<lxYou
		shownAny = 1<<lxText | 1<<lxPrior | 1<<lxSetup
	)
	switch {
	case m&lexStrong != 0:
		return bits.OnesCount32(m) >= 2
	case m&exfil == exfil, m&reveal == reveal, m&history == history:
		return true
	case m&told == told:
		return m&toldAny != 0
	case m&shown == shown:
		return m&shownAny != 0
	}
	return false
}

// unitTok is one lexicon word of a scored sentence.
type unitTok struct {
	mask uint32
	id   uint16
	pos  uint16 // word index in the sentence
}

// mix hashes two numbers.
func mix(a, b uint32) uint32 {
	h := a*0x85EBCA77 ^ b*0xC2B2AE3D
	h ^= h >> 15
	h *= 0x2C1B3C6D
	h ^= h >> 12
	return h
}

// featSink receives the features of a sentence: it sums their weights,
// or, when recording for the generator, lists them.
type featSink struct {
	z       int32 // the sum of the int8 weights
	content bool
	rec     bool
	ids     []uint32
}

// add takes the feature id.
func (k *featSink) add(id uint32) {
	if k.rec {
		k.ids = append(k.ids, id)
		return
	}
	k.z += int32(modelWeights[id])
}

// addS takes a feature of the sentence's structure, which Content mode
// also weighs with a correction of its own.
func (k *featSink) addS(id uint32) {
	k.add(id)
	if k.content {
		k.add(fContent + id)
	}
}

// unitRead is a sentence read once for the gate and the scorer: its
// lexicon words, the hashes of its other words, its classes.
type unitRead struct {
	toks   [maxUnitToks]unitTok
	nt     int
	hashes [maxUnitWords]uint32 // fnv32 of the words of 3 bytes or more outside the lexicon
	nh     int
	words  int
	all    uint32 // classes of the lexicon words
	asks   bool   // the first word opens a question
}

// readUnit reads the words of the sentence text[s:e] into r.
func (st *scanState) readUnit(s, e int, r *unitRead) {
	t := st.text
	var lw [64]byte
	pos := s
	for r.words < maxUnitWords {
		ws, we, _, ok := asciiWord(t, pos, e)
		if !ok {
			break
		}
		pos = we
		if n := we - ws; n <= len(lw)/2 {
			// The usual word: ASCII, lowered eight bytes at a time (as
			// lowerAppend would), and kept packed in x for the
			// pre-filters below.
			var x uint64
			packed := false
			if n <= 8 && ws+8 <= len(t) {
				x = load8(t, ws) & (1<<(8*n) - 1)
				packed = x&swarHighs == 0
			}
			var l []byte
			if packed {
				x = lower8(x)
				binary.LittleEndian.PutUint64(lw[:8], x)
				l = lw[:n]
			} else {
				l = lowerAppend(lw[:0], t, ws, we)
			}
			if r.words == 0 {
				r.asks = questionWord(l)
			}
			if n := len(l); n > 3 && l[n-2] == '\'' && l[n-1] == 's' {
				l = l[:n-2] // a possessive: "the conversation's"
				x &= 1<<(8*(n-2)) - 1
			}
			var ent lexEntry
			ok := false
			if packed {
				// mayHave and mayBeLeet on the packed word.
				k := anchorKey(byte(x), byte(x>>8), byte(x>>16))
				if theLexicon.any[k>>6]&(1<<(k&63)) != 0 {
					ent, ok = theLexShort.lookupPacked(x, len(l))
				}
				if !ok && len(l) >= 3 && inRange(x, '0', '9') != 0 {
					ent, ok = theLexicon.lookupDigits(l)
				}
			} else {
				if theLexicon.mayHave(l) {
					ent, ok = theLexicon.lookup(l)
				}
				if !ok && mayBeLeet(l) {
					ent, ok = theLexicon.lookupDigits(l)
				}
			}
			if !ok && len(l) >= 3 {
				r.hashes[r.nh] = fnv32(l)
				r.nh++
			}
			if ok && r.nt < len(r.toks) {
				r.toks[r.nt] = unitTok{mask: ent.mask, id: ent.id, pos: uint16(r.words)}
				r.nt++
				r.all |= ent.mask
			}
		}
		r.words++
	}
}

// mayBeLeet reports whether the lower-case word w, held at the start of a
// buffer of eight bytes or more, may be a lexicon word spelt with digits
// (lookupDigits): three bytes or more with a digit among them. A word of
// up to eight bytes is checked in one load.
func mayBeLeet(w []byte) bool {
	n := len(w)
	if n < 3 {
		return false
	}
	if n > 8 || cap(w) < 8 {
		return true
	}
	x := binary.LittleEndian.Uint64(w[:8]) & (1<<(8*n) - 1)
	return inRange(x&^swarHighs, '0', '9')&^x != 0
}

// asciiWord is nextWord, with a fast path for ASCII: the next word of
// text[pos:limit], and whether a sentence break lies before it. Where it
// meets a non-ASCII byte it hands over to nextWord from there. limit is
// at most len(text).
func asciiWord(text string, pos, limit int) (s, e int, brk, ok bool) {
	if pos >= limit {
		return 0, 0, false, false
	}
	t := text[:limit] // no bounds checks below
	i := pos
	for ; i < len(t); i++ {
		k := gapKind[t[i]]
		if k == gkGap {
			continue // a space, a comma ...
		}
		if k == gkWord {
			break
		}
		switch k {
		case gkBreak:
			brk = true
		case gkDot:
			if i+1 >= len(text) || class[text[i+1]]&cWord == 0 {
				brk = true
			}
		default: // gkHigh
			s, e, b, ok := nextWord(text, i, limit)
			return s, e, brk || b, ok
		}
	}
	if i >= len(t) {
		return 0, 0, brk, false
	}
	s = i
	for {
		for i < len(t) && class[t[i]]&cWord != 0 {
			i++
		}
		if i >= len(t) {
			return s, i, brk, true
		}
		c := t[i]
		if c >= 0x80 {
			// A non-ASCII letter or apostrophe may go on the word: nextWord
			// reads it from its start (the gap is behind).
			s2, e2, _, ok := nextWord(text, s, limit)
			return s2, e2, brk, ok
		}
		// An apostrophe or hyphen between a word byte (i > s) and a letter.
		if (c == '\'' || c == '-') && i+1 < len(t) && class[t[i+1]]&cLetter != 0 {
			i++
			continue
		}
		return s, i, brk, true
	}
}

// Kinds of bytes between words, for asciiWord.
const (
	gkGap   = iota // a byte that is no word byte and no sentence break
	gkWord         // an ASCII word byte
	gkBreak        // '\n' ! ? ; :
	gkDot          // '.', a break unless a word byte follows
	gkHigh         // a non-ASCII byte
)

// gapKind classifies bytes for asciiWord.
var gapKind = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 0x80:
			t[c] = gkHigh
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			t[c] = gkWord // class[c]&cWord, which is filled later (init)
		case c == '\n' || c == '!' || c == '?' || c == ';' || c == ':':
			t[c] = gkBreak
		case c == '.':
			t[c] = gkDot
		}
	}
	return t
}()

// unitFeatures passes the features of the sentence text[s:e], read into
// r, to k.
func (st *scanState) unitFeatures(s, e int, r *unitRead, k *featSink) {
	toks := &r.toks
	nt := r.nt
	words := r.words
	all := r.all
	for _, h := range r.hashes[:r.nh] {
		k.add(fToken + h%tokenBuckets)
	}
	// An order opens the sentence: its first word, or its second after
	// "please", "now", "just".
	if nt > 0 && toks[0].pos == 0 {
		f := 0
		if toks[0].mask&^(1<<lxPlease) == 0 && nt > 1 && toks[1].pos == 1 {
			f = 1
		}
		for m := toks[f].mask &^ (1 << lxPlease); m != 0; m &= m - 1 {
			k.addS(fOpen + uint32(bits.TrailingZeros32(m)))
		}
	}
	for m := all; m != 0; m &= m - 1 {
		k.addS(fClass + uint32(bits.TrailingZeros32(m)))
	}
	st.shapeFeatures(s, e, r.asks, k)
	var weak uint8
	for _, f := range st.recent() {
		if f.Start < e && s < f.End && f.Confidence < 0.5 {
			weak |= 1 << typeIndex(f.Type)
		}
	}
	for m := weak; m != 0; m &= m - 1 {
		k.addS(fWeak + uint32(bits.TrailingZeros8(m)))
	}
	var pairs [lexN * lexN * 3 / 64]uint64
	for i := 0; i < nt; i++ {
		a := &toks[i]
		seen := false
		for j := 0; j < i; j++ {
			if toks[j].id == a.id {
				seen = true
			}
		}
		if !seen {
			k.add(fWord + uint32(a.id))
		}
		if i+1 < nt && toks[i+1].pos == a.pos+1 {
			k.add(fBigram + mix(uint32(a.id), uint32(toks[i+1].id))%bigramBuckets)
		}
		for j := i + 1; j < nt; j++ {
			b := &toks[j]
			d := b.pos - a.pos
			var bucket uint32
			switch {
			case d <= 2:
				bucket = 0
			case d <= 5:
				bucket = 1
			case d <= 12:
				bucket = 2
			default:
				continue
			}
			for ma := a.mask; ma != 0; ma &= ma - 1 {
				ca := uint32(bits.TrailingZeros32(ma))
				for mb := b.mask; mb != 0; mb &= mb - 1 {
					p := (ca*lexN+uint32(bits.TrailingZeros32(mb)))*3 + bucket
					if pairs[p>>6]&(1<<(p&63)) == 0 {
						pairs[p>>6] |= 1 << (p & 63)
						k.addS(fPair + p)
					}
				}
			}
		}
	}
	// Triples of classes in order within eight words, of the classes
	// orders are made of ("ignore" ... "your" ... "rules").
	var triples [(triN*triN*triN + 63) / 64]uint64
	var tm [maxUnitToks]uint32 // classes of each word, as triple classes
	for i := 0; i < nt; i++ {
		for m := toks[i].mask; m != 0; m &= m - 1 {
			if c := tripleClass[bits.TrailingZeros32(m)]; c < numTripleClasses {
				tm[i] |= 1 << c
			}
		}
	}
	for i := 0; i < nt; i++ {
		if tm[i] == 0 {
			continue
		}
		for j := i + 1; j < nt && toks[j].pos-toks[i].pos <= 8; j++ {
			if tm[j] == 0 {
				continue
			}
			for l := j + 1; l < nt && toks[l].pos-toks[i].pos <= 8; l++ {
				for ma := tm[i]; ma != 0; ma &= ma - 1 {
					a := uint32(bits.TrailingZeros32(ma))
					for mb := tm[j]; mb != 0; mb &= mb - 1 {
						b := uint32(bits.TrailingZeros32(mb))
						for mc := tm[l]; mc != 0; mc &= mc - 1 {
							x := (a*triN+b)*triN + uint32(bits.TrailingZeros32(mc))
							if triples[x>>6]&(1<<(x&63)) == 0 {
								triples[x>>6] |= 1 << (x & 63)
								k.add(fTriple + x)
							}
						}
					}
				}
			}
		}
	}
	var lb uint32
	switch {
	case words <= 4:
		lb = 0
	case words <= 10:
		lb = 1
	case words <= 20:
		lb = 2
	default:
		lb = 3
	}
	k.addS(fLength + lb)
	k.addS(fCoreN + uint32(min(6, bits.OnesCount32(all&lexCore))))
	if k.content {
		k.add(fContent + fContent) // the Content-mode bias
	}
}

// fnv32 is FNV-1a.
func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// typeIndex numbers the finding types.
func typeIndex(t string) uint32 {
	switch t {
	case TypeInstructionOverride:
		return 0
	case TypeJailbreak:
		return 1
	case TypePromptExtraction:
		return 2
	case TypeHiddenText:
		return 3
	case TypeEncodedInstruction:
		return 4
	}
	return 5
}

// shapeFeatures passes the shape features of the sentence text[s:e] to k.
func (st *scanState) shapeFeatures(s, e int, asks bool, k *featSink) {
	t := st.text
	if i := e; i < len(t) {
		for i < len(t) && i-e < 3 && (t[i] == ' ' || t[i] == '"' || t[i] == '\'' || t[i] == ')') {
			i++
		}
		if i < len(t) && t[i] == '?' {
			k.addS(fShape + shapeQuestion)
		} else if i < len(t) && t[i] == '!' {
			k.addS(fShape + shapeBang)
		}
	}
	if asks {
		k.addS(fShape + shapeAsks)
	}
	colon, quote, caps := false, false, false
	run := 0
	for i := s; i < e; i++ {
		if i+8 <= e && i&7 == 0 {
			// Eight bytes of which none is a capital, ':', '"' or '\''
			// (or a non-ASCII byte that looks like one once its high bit
			// is dropped) only reset run: skipped at once.
			x := load8(t, i) &^ swarHighs
			if inRange(x, 'A', 'Z')|inRange(x, ':', ':')|inRange(x, '"', '"')|inRange(x, '\'', '\'') == 0 {
				run = 0
				i += 7
				continue
			}
		}
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			run++
			if run >= 3 {
				caps = true
			}
			continue
		case c == ':':
			colon = true
		case c == '"' || c == '\'' && (i == s || class[t[i-1]]&cLetter == 0):
			quote = true
		}
		run = 0
	}
	if colon {
		k.addS(fShape + shapeColon)
	}
	if quote {
		k.addS(fShape + shapeQuote)
	}
	if caps {
		k.addS(fShape + shapeCaps)
	}
}

// recent returns the findings emitted last, those that may overlap the
// sentence just ended (findings are emitted in about the order of the
// text; the bound keeps the cost per sentence constant).
func (st *scanState) recent() []detect.Finding {
	return st.out[max(st.base, len(st.out)-32):]
}

// scoreUnit scores the sentence text[s:e], read into r, and reports it
// when the model says it is an attack.
func (st *scanState) scoreUnit(s, e int, r *unitRead) {
	if st.rec == nil {
		for _, f := range st.recent() {
			if f.Start <= s && e <= f.End && f.Confidence >= 0.5 && f.Type != TypeHiddenText {
				return // already reported
			}
		}
	}
	k := featSink{content: st.content, rec: st.rec != nil}
	st.unitFeatures(s, e, r, &k)
	if k.rec {
		*st.rec = append(*st.rec, TrainingUnit{Start: s, End: e, Features: k.ids})
		return
	}
	z := modelBias + modelScale*float64(k.z)
	if z < 0 {
		return
	}
	// The bias puts the decision threshold at 0; 0 is reported at 0.5 and
	// larger scores approach 0.9.
	typ := scoreType(r.all)
	if typ == TypePromptExtraction && st.topicRequest(s, e, r.all) {
		return // "tell me your rules for booking leave"
	}
	if typ == TypeJailbreak && st.practiceRolePlay(s, e, r.all) {
		return // "simulate a salary negotiation with me, you play the manager"
	}
	conf := 0.5 + 0.4*math.Tanh(z/2)
	st.emit(typ, s, e, conf)
}

// scoreType names the finding of a sentence the scorer flags, from its
// classes.
func scoreType(m uint32) string {
	has := func(c int) bool { return m&(1<<c) != 0 }
	switch {
	case has(lxSend) && has(lxConv):
		return TypePromptExtraction
	case (has(lxReveal) || has(lxSecret)) && (has(lxRules) || has(lxSetup)) && !has(lxOverride):
		return TypePromptExtraction
	case (has(lxRole) || has(lxUnbound)) && !has(lxOverride):
		return TypeJailbreak
	}
	return TypeInstructionOverride
}

// modelWeights is the dense form of the generated model, in steps of
// modelScale.
var modelWeights = func() *[ModelFeatures]int8 {
	var w [ModelFeatures]int8
	for _, p := range modelSparse {
		w[p.id] = p.w
	}
	return &w
}()

// modelWeight is one non-zero weight of the generated model.
type modelWeight struct {
	id uint16
	w  int8
}
