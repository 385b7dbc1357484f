package inject

import "strings"

// Refinements run after a phrase pattern matched. Each looks at the bytes
// or words around the match and returns the confidence to report (0 drops
// the match). They see a bounded neighbourhood only.

const (
	ckNone           checkKind = iota
	ckDAN                      // "do anything now": needs DAN nearby or title case
	ckDANWord                  // "DAN": upper case, in a role context
	ckAICue                    // needs an AI word nearby ("developer mode")
	ckNoRestrictions           // "no restrictions": needs an AI addressee or role-play
	ckAIOrRoleplay             // like ckNoRestrictions, "you" alone is enough
	ckBreakChar                // "break character": needs a negation or addressee
	ckModeSwitch               // "god mode": strong names pass, others need an AI word
	ckPromptNoun               // "your prompt": not an adjective, not "instructions for X"
	ckYouAre                   // "start with 'You are'": needs a quote
	ckSpecial                  // chat-template tokens: <|im_start|>
	ckInst                     // [INST]
	ckSys                      // <<SYS>>
	ckRole                     // role markers: "System:", "<|assistant|>", "[system]"
	ckSubject                  // override phrases: lower when the speaker is the subject
	ckCueBoost                 // keep with an AI word nearby, else lower
	ckAboveEnd                 // "everything above": not "above the signature"
)

// check runs the refinement of p on the match text[s:e].
func (st *scanState) check(p *pattern, s, e int, conf float64) float64 {
	t := st.text
	switch p.check {
	case ckDAN:
		if titleCase(t, s, e) || st.danNear(s, e) {
			return conf
		}
		return 0
	case ckDANWord:
		if t[s:e] != "DAN" {
			return 0
		}
		if b := st.w.backTok(1); b != nil && !st.w.sentenceStart() && st.inSet(b, "dancue") {
			return conf
		}
		if f := st.w.fwdTok(1); f != nil && !f.brk && st.inSet(f, "dancue") {
			return conf
		}
		if colonAfter(t, e) {
			return conf * 0.9
		}
		return 0
	case ckAICue:
		if st.cueNear(s, e, 200, st.e.ids["cue"]) {
			return conf
		}
		return 0
	case ckNoRestrictions, ckAIOrRoleplay, ckBreakChar:
		ai, you, rp, neg := st.addressee()
		switch {
		case ai || (rp && you):
			return conf
		case rp:
			return conf - 0.05
		case you && p.check == ckAIOrRoleplay:
			return conf - 0.15
		case (you || neg) && p.check == ckBreakChar:
			return conf
		}
		return 0
	case ckModeSwitch:
		if b := st.w.backTok(1); b != nil && st.inSet(b, "strongmode") {
			return conf
		}
		if st.cueNear(s, e, 200, st.e.ids["cue"]) {
			return conf
		}
		return 0
	case ckPromptNoun:
		return st.checkPromptNoun(s, e, conf)
	case ckYouAre:
		if strings.ContainsAny(t[s:e], "\"'“”‘’«»") {
			return conf
		}
		return 0
	case ckSpecial:
		if (hasSuffixAt(t, s, "<|") || hasSuffixAt(t, s, "<")) && (strings.HasPrefix(t[e:], "|>") || strings.HasPrefix(t[e:], ">")) {
			return conf
		}
		return 0
	case ckInst:
		if t[s:e] == "INST" && (hasSuffixAt(t, s, "[") || hasSuffixAt(t, s, "[/")) && strings.HasPrefix(t[e:], "]") {
			return conf
		}
		return 0
	case ckSys:
		if (hasSuffixAt(t, s, "<<") || hasSuffixAt(t, s, "<</")) && strings.HasPrefix(t[e:], ">>") {
			return conf
		}
		return 0
	case ckRole:
		return st.checkRole(s, e)
	case ckSubject:
		if st.speakerSubject() {
			return conf * 0.45
		}
		return conf
	case ckCueBoost:
		if st.cueNear(s, e, 200, st.e.ids["cue"]) {
			return conf
		}
		return 0.45
	case ckAboveEnd:
		if f := st.nextTok(e); f != nil && st.inSet(f, "det2") {
			return 0
		}
		return conf
	}
	return st.checkIndirect(p, s, e, conf)
}

// hasSuffixAt reports whether text[:i] ends with suf.
func hasSuffixAt(text string, i int, suf string) bool {
	return i >= len(suf) && text[i-len(suf):i] == suf
}

// inSet reports whether token t belongs to the named set.
func (st *scanState) inSet(t *token, name string) bool {
	return st.w.mask(st.e.vocab, t).has(st.e.ids[name])
}

// titleCase reports whether every word of text[s:e] starts with an upper
// case letter ("Do Anything Now", "DO ANYTHING NOW").
func titleCase(text string, s, e int) bool {
	for i := s; i < e; {
		ws, we, _, ok := nextWord(text, i, e)
		if !ok {
			break
		}
		if c := text[ws]; c < 'A' || c > 'Z' {
			return false
		}
		i = we
	}
	return true
}

// danNear reports whether the word "DAN" (upper case) occurs within 300
// bytes of text[s:e].
func (st *scanState) danNear(s, e int) bool {
	t := st.text
	lo, hi := max(0, s-300), min(len(t), e+300)
	for i := lo; i < hi; {
		j := strings.Index(t[i:hi], "DAN")
		if j < 0 {
			return false
		}
		j += i
		if (j == 0 || class[t[j-1]]&cLetter == 0) && (j+3 >= len(t) || class[t[j+3]]&cLetter == 0) {
			return true
		}
		i = j + 3
	}
	return false
}

// cueNear reports whether a word of the set id occurs within radius bytes
// of text[s:e] (the match itself excluded).
func (st *scanState) cueNear(s, e, radius int, id uint8) bool {
	t := st.text
	lo, hi := max(0, s-radius), min(len(t), e+radius)
	for lo < s && t[lo]&0xC0 == 0x80 {
		lo++
	}
	var buf [64]byte
	for i := lo; i < hi; {
		ws, we, _, ok := nextWord(t, i, hi)
		if !ok {
			break
		}
		i = we
		if ws >= s && we <= e {
			continue
		}
		if we-ws > 24 {
			continue
		}
		lw := lowerAppend(buf[:0], t, ws, we)
		if st.e.vocab.classify(lw).has(id) {
			return true
		}
	}
	return false
}

// speakerSubject reports whether the nearest pronoun before the anchor, in
// its sentence, is a subject other than "you": "should I ignore the old
// rules?" asks about the speaker's own conduct.
func (st *scanState) speakerSubject() bool {
	w := &st.w
	ids := st.e.ids
	brk := w.sentenceStart()
	for i := 1; !brk && i <= 6; i++ {
		t := w.backTok(i)
		if t == nil {
			break
		}
		m := w.mask(st.e.vocab, t)
		if m.has(ids["you"]) {
			return false
		}
		if m.has(ids["subj"]) {
			return true
		}
		brk = t.brk
	}
	return false
}

// nextTok returns the word of the window that follows offset e, or nil
// when a sentence break or the end of the window comes first.
func (st *scanState) nextTok(e int) *token {
	for i := 1; ; i++ {
		t := st.w.fwdTok(i)
		if t == nil {
			return nil
		}
		if t.s >= e {
			if t.brk {
				return nil
			}
			return t
		}
	}
}

// addressee looks at the words of the sentence before the anchor and
// reports whether they name an AI, address "you", use a role-play verb,
// or negate ("don't", "never").
func (st *scanState) addressee() (ai, you, rp, neg bool) {
	w := &st.w
	ids := st.e.ids
	brk := w.sentenceStart()
	for i := 1; !brk; i++ {
		t := w.backTok(i)
		if t == nil {
			break
		}
		m := w.mask(st.e.vocab, t)
		ai = ai || m.has(ids["ai"])
		you = you || m.has(ids["you"])
		rp = rp || m.has(ids["roleplay"])
		if i == 1 {
			neg = m.has(ids["negverb"])
		}
		brk = t.brk
	}
	return ai, you, rp, neg
}

// checkPromptNoun drops "prompt" used as an adjective ("your prompt
// reply") and requests about a procedure ("your instructions for the
// expense form").
func (st *scanState) checkPromptNoun(s, e int, conf float64) float64 {
	t := st.text
	var buf [32]byte
	var first setMask
	p := e
	for k := 0; k < 3; k++ {
		ns, ne, brk, ok := nextWord(t, p, min(len(t), p+40))
		if !ok || brk || ne-ns > len(buf)/2 || strings.IndexByte(t[p:ns], ',') >= 0 {
			break
		}
		p = ne
		m := st.e.vocab.classify(lowerAppend(buf[:0], t, ns, ne))
		if k == 0 {
			first = m
		}
		if m.has(st.e.ids["verbatim"]) {
			break
		}
		if m.has(st.e.ids["procedure"]) {
			return 0
		}
	}
	m := first
	lastS := e - 1
	for lastS > s && class[t[lastS-1]]&cWord != 0 {
		lastS--
	}
	if last := t[lastS:e]; (strings.EqualFold(last, "prompt") || strings.EqualFold(last, "prompts")) && m.has(st.e.ids["afterprompt"]) {
		return 0
	}
	return conf
}

// checkRole scores a role word (system, assistant, user, human, developer)
// by the markup around it.
func (st *scanState) checkRole(s, e int) float64 {
	t := st.text
	word := t[s:e]
	isSystem := strings.EqualFold(word, "system")
	strong := isSystem || strings.EqualFold(word, "assistant")
	switch {
	case hasSuffixAt(t, s, "<|") && strings.HasPrefix(t[e:], "|>"):
		return 0.9
	case (hasSuffixAt(t, s, "<") || hasSuffixAt(t, s, "</")) && strings.HasPrefix(t[e:], ">"):
		if strong || strings.EqualFold(word, "developer") {
			return 0.7
		}
		return 0.5
	case (hasSuffixAt(t, s, "[") && strings.HasPrefix(t[e:], "]")) || (hasSuffixAt(t, s, "(") && strings.HasPrefix(t[e:], ")")):
		if strong {
			return 0.7
		}
		return 0
	}
	if !strong || !st.roleLineStart(s) {
		return 0
	}
	before := strings.TrimRight(t[:s], " \t")
	heading := strings.HasSuffix(before, "#")
	if !colonAfter(t, e) && !(heading && lineEndsAt(t, e)) {
		return 0
	}
	cue := st.lineCue(e)
	if isSystem {
		if cue {
			return 0.8
		}
		return 0
	}
	if cue {
		return 0.7
	}
	return 0.6
}

// roleLineStart reports whether the word at s starts a line (after
// markdown decoration) or, upper case, a sentence.
func (st *scanState) roleLineStart(s int) bool {
	t := st.text
	i := s - 1
	for i >= 0 && s-i < 16 {
		switch t[i] {
		case ' ', '\t', '#', '*', '>', '-', '|', '`', '"', '_', '=':
			i--
			continue
		case '\n', '\r':
			return true
		case '.', '!', '?':
			return t[s] >= 'A' && t[s] <= 'Z' && i < s-1 && t[i+1] == ' '
		}
		return false
	}
	return i < 0
}

// lineEndsAt reports whether only spaces follow i up to the end of line.
func lineEndsAt(t string, i int) bool {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '#' || t[i] == '\r') {
		i++
	}
	return i >= len(t) || t[i] == '\n'
}

// lineCue reports whether the 160 bytes after i, up to the second line
// end, contain a word that speaks to an agent ("you", "ignore", "must").
func (st *scanState) lineCue(i int) bool {
	t := st.text
	hi := min(len(t), i+160)
	lines := 0
	var buf [64]byte
	id := st.e.ids["rolecue"]
	for p := i; p < hi; {
		ws, we, _, ok := nextWord(t, p, hi)
		if !ok {
			break
		}
		lines += strings.Count(t[p:ws], "\n")
		if lines > 1 {
			break
		}
		p = we
		if we-ws > 24 {
			continue
		}
		if st.e.vocab.classify(lowerAppend(buf[:0], t, ws, we)).has(id) {
			return true
		}
	}
	return false
}
