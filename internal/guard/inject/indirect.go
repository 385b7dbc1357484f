package inject

import (
	"bytes"
	"strings"
)

// Indirect instructions (Content mode). Third-party content (a retrieved
// document, an e-mail, tool output) should inform the assistant, not direct
// it. Besides the direct patterns, Content mode flags:
//
//   - sentences that reach for the assistant's own output: "in your
//     response", "Modify your answer to ...", "Add X to your reply";
//   - sentences that address an AI: "Dear AI", "If you are an assistant";
//   - requests out of place: a question ("What is the capital of Brazil?")
//     or a task imperative at the start of a sentence ("Draft an essay
//     about ...") whose content words do not occur anywhere else in the
//     document. A document may ask questions about itself; it is the
//     unrelated request that betrays an injected task;
//   - requests to insert code ("Merge the following code snippet into
//     your solution"), scored higher when the code block that follows
//     makes network, file-exfiltration or process calls.
//
// The first two are word patterns (indirectSpecs, refined by
// checkIndirect). The third needs the sentence as a whole, so sentences
// are tracked during the main pass (indirectState) and judged at their
// end. All of it is heuristic: an e-mail that legitimately asks an
// unrelated question, or a newsletter full of imperatives, can trip it.

// Check kinds of the indirect patterns.
const (
	ckOutRef  checkKind = iota + 100 // "your response": needs a preposition or an imperative
	ckCodeRef                        // "the following code snippet"
)

var indirectSpecs = []phraseSpec{
	{TypeIndirectInstruction, 0.85, "your ^@outnoun", ckOutRef},
	{TypeIndirectInstruction, 0.85, "following|subsequent|below|next|attached|provided|given|this *1 code ^block|snippet|excerpt|section|segment|fragment|sample|piece|lines", ckCodeRef},
	{TypeIndirectInstruction, 0.8, "dear|hey|hi|hello|attention|note|message|instructions|instruction|reminder *2 to|for *1 the *1 ^@aireader", ckNone},
	{TypeIndirectInstruction, 0.8, "dear|hey|hi|hello|attention *1 ^@aireader", ckNone},
	{TypeIndirectInstruction, 0.85, "if *1 you *1 are|re|you're *1 an|a *2 ^@aireader", ckNone},
	{TypeIndirectInstruction, 0.85, "^@aireader *1 reading|processing|summarizing|summarising|parsing|analyzing|analysing|reviewing *1 this", ckNone},
}

// indirectState tracks the current sentence during the main pass.
type indirectState struct {
	atStart  bool // the next word starts a sentence
	start    int  // offset of the current sentence's first word
	kind     uint8
	words    int // words in the current sentence
	judged   int // requests judged so far (bounded)
	pendingQ bool
}

// Kinds of sentence openings.
const (
	openNone     = iota
	openQuestion // what, how, can, ...: a request if it ends with '?'
	openTask     // write, explain, translate, ...: a request when out of place
)

const maxJudged = 16 // requests judged per text: bounds the relatedness searches

func (s *indirectState) begin() {
	*s = indirectState{atStart: true}
}

// word is called for every word in Content mode.
func (s *indirectState) word(st *scanState, ws, we int) {
	if s.atStart {
		s.atStart = false
		s.start = ws
		s.words = 0
		s.kind = openNone
		t := st.text
		if we-ws <= 12 && we-ws >= 2 && st.e.mayOpen(lowerTab[t[ws]], lowerTab[t[ws+1]], lowerTab[t[min(ws+2, we-1)]]) {
			lw := lowerAppend(st.lw[:0], t, ws, we)
			m := st.e.vocab.classify(lw)
			switch {
			case m.has(st.e.ids["wh"]):
				s.kind = openQuestion
			case m.has(st.e.ids["taskverb"]):
				s.kind = openTask
			}
		}
	}
	s.words++
}

// onByte is called for every ASCII byte outside words in Content mode.
func (st *scanState) onByte(i int, c byte) {
	s := &st.ind
	switch c {
	case '\n', '|', '\t':
	case '.', '!', '?':
		t := st.text
		if i+1 < len(t) {
			n := t[i+1]
			if c != '.' && (n == '"' || n == '\'') {
				return // inside a quotation: "... overnight!" linking to ...
			}
			if n != ' ' && n != '\n' && n != '\r' && n != '"' && n != '\'' {
				return
			}
		}
	default:
		return
	}
	if !s.atStart {
		st.sentenceEnd(i, c)
	}
	s.atStart = true
}

// end closes the last sentence.
func (s *indirectState) end(st *scanState) {
	if !s.atStart {
		st.sentenceEnd(len(st.text), 0)
	}
}

// sentenceEnd judges the sentence that ends at i with byte c.
func (st *scanState) sentenceEnd(i int, c byte) {
	s := &st.ind
	if st.sentLog != nil {
		*st.sentLog = append(*st.sentLog, sentEnd{s.start, i, s.words})
	}
	if s.kind == openNone || s.words < 3 || s.judged >= maxJudged || i-s.start > 300 || c == '|' || c == '\t' {
		return
	}
	if s.kind == openQuestion && c != '?' {
		return
	}
	end := i
	if c != 0 && c != '\n' {
		end = i + 1
	}
	if listItem(st.text, s.start) {
		return // a procedure step: "1. Explain the reason ..."
	}
	if headingLine(st.text, s.start) {
		return // a title: "## Generate docs for a single command"
	}
	s.judged++
	if st.outOfPlace(s.start, end) {
		st.emit(TypeIndirectInstruction, s.start, end, 0.6)
	}
}

// headingLine reports whether the line holding offset s starts with '#'
// before s: a Markdown heading or a shell comment, which names what
// follows rather than asking for it.
func headingLine(t string, s int) bool {
	i := s
	for i > 0 && s-i < 8 && (t[i-1] == ' ' || t[i-1] == '\t' || t[i-1] == '#') {
		i--
	}
	return i < s && (i == 0 || t[i-1] == '\n') && strings.Contains(t[i:s], "#")
}

// listItem reports whether the line holding offset s starts with a list
// marker before s: "-", "*", "•", "1.", "2)".
func listItem(t string, s int) bool {
	i := s
	for i > 0 && s-i < 8 && (t[i-1] == ' ' || t[i-1] == '\t') {
		i--
	}
	j := i
	for j > 0 && s-j < 8 && class[t[j-1]]&cDigit != 0 {
		j--
	}
	if j < i && j >= 0 && i > 0 && (t[i-1] == '.' || t[i-1] == ')') {
		return true
	}
	if i > 0 {
		switch t[i-1] {
		case '-', '*', '>':
			return true
		}
	}
	return hasSuffixAt(t, i, "•")
}

// outOfPlace reports whether text[s:e] is a request out of place: its
// content words (the opening word and stop words aside) occur nowhere
// else in the text, and it does not speak in the first or second person
// (a conversation: "could you send me ...", "are we still on ...").
// Quoted words count only when fewer than two others are left ("What is
// 'Bibliothek' in English?").
func (st *scanState) outOfPlace(s, e int) bool {
	t := st.text
	var buf [32]byte
	ids := st.e.ids
	type cand struct {
		s, e   int
		kind   int
		quoted bool
	}
	var cands [10]cand
	nc, plain := 0, 0
	first, quoted := true, false
	request := false // "can you show ...": a request for content, not a conversation
	youEarly := false
	for p, k := s, 0; p < e; k++ {
		ws, we, _, ok := nextWord(t, p, e)
		if !ok {
			break
		}
		if quoteBetween(t, p, ws) {
			quoted = !quoted
		}
		p = we
		if we-ws > len(buf) {
			continue
		}
		lw := lowerAppend(buf[:0], t, ws, we)
		m := st.e.vocab.classify(lw)
		if first {
			first = false
			continue // the opening verb or question word
		}
		if k == 2 && m.has(ids["contentverb"]) {
			request = true
		}
		if !quoted && m.has(ids["person"]) {
			if k == 1 && m.has(ids["you"]) {
				youEarly = true // "can you ...": personal unless a content request follows
			} else if !request {
				return false
			}
		}
		kind := topicWord(lw)
		if kind == 0 || m.has(ids["stop"]) || unitWord(lw) || nc >= len(cands) {
			continue
		}
		cands[nc] = cand{ws, we, kind, quoted}
		nc++
		if !quoted {
			plain++
		}
	}
	if youEarly && !request {
		return false
	}
	n := 0
	for _, c := range cands[:nc] {
		if c.quoted && plain >= 2 {
			continue
		}
		n++
	}
	if n < 2 {
		return false
	}
	for _, c := range cands[:nc] {
		if c.quoted && plain >= 2 {
			continue
		}
		lw := lowerAppend(buf[:0], t, c.s, c.e)
		if occursElsewhere(t, string(lw), s, e) || (c.kind == 2 && containsOutside(t, t[c.s:c.e], s, e)) {
			return false
		}
	}
	return true
}

// quoteBetween reports whether text[a:b] holds a quotation mark that opens
// or closes a quotation (not an apostrophe inside a word).
func quoteBetween(t string, a, b int) bool {
	for i := a; i < b; i++ {
		switch t[i] {
		case '"':
			return true
		case '\'':
			before := i > 0 && class[t[i-1]]&cLetter != 0
			after := i+1 < len(t) && class[t[i+1]]&cLetter != 0
			if before != after {
				return true
			}
		case 0xE2:
			if i+2 < len(t) && t[i+1] == 0x80 && t[i+2] >= 0x9C && t[i+2] <= 0x9D {
				return true
			}
		}
	}
	return false
}

// unitWord reports whether w is a unit of time or a count ("days",
// "weeks'", "hours", "times"): words any text may use on any topic, so
// they say nothing about whether a sentence belongs to it ("Give 21 days'
// notice." in a leave policy).
func unitWord(w []byte) bool {
	w = bytes.TrimRight(w, "'")
	switch string(w) {
	case "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
		"month", "months", "year", "years", "times", "once", "twice", "percent":
		return true
	}
	return false
}

// topicWord says whether a lower-case word can carry a topic: 1 for a
// word of four or more letters, 2 for a short code mixing letters and
// digits ("q3", "4b"), 0 otherwise.
func topicWord(w []byte) int {
	letters, digits := 0, 0
	for _, c := range w {
		switch {
		case c >= 0x80 || class[c]&cLetter != 0:
			letters++
		case class[c]&cDigit != 0:
			digits++
		case c == '\'' || c == '-':
		default:
			return 0
		}
	}
	switch {
	case digits == 0 && len(w) >= 4:
		return 1
	case digits > 0 && letters > 0 && len(w) >= 2:
		return 2
	}
	return 0
}

// occursElsewhere reports whether the lower-case word w, or its
// capitalised form, occurs in t outside [s, e).
func occursElsewhere(t, w string, s, e int) bool {
	if containsOutside(t, w, s, e) {
		return true
	}
	if w[0] >= 'a' && w[0] <= 'z' {
		var buf [32]byte
		n := copy(buf[:], w)
		buf[0] -= 'a' - 'A'
		return containsOutside(t, string(buf[:n]), s, e)
	}
	return false
}

func containsOutside(t, w string, s, e int) bool {
	return strings.Contains(t[:s], w) || strings.Contains(t[e:], w)
}

// checkIndirect refines the indirect patterns.
func (st *scanState) checkIndirect(p *pattern, s, e int, conf float64) float64 {
	switch p.check {
	case ckOutRef:
		return st.checkOutRef(s, e, conf)
	case ckCodeRef:
		return st.checkCodeRef(s, e, conf)
	}
	return conf
}

// checkOutRef scores "your answer": it instructs the reader-bot when the
// sentence is an imperative: "Modify your answer ...", "Add X to your
// reply", "In your response, suggest ...". A declarative sentence ("In
// your message you mentioned ...") is someone writing to a person.
func (st *scanState) checkOutRef(s, e int, conf float64) float64 {
	if st.sentenceImperative(s) {
		return conf
	}
	return 0
}

// sentenceImperative reports whether the sentence holding offset pos
// opens with an imperative verb (after "please", "kindly", "also"...).
func (st *scanState) sentenceImperative(pos int) bool {
	t := st.text
	i := pos
	lo := max(0, pos-300)
	for i > lo {
		j, _, brk := runeBefore(t, i)
		if brk && !(i < len(t) && (t[j] == '!' || t[j] == '?') && (t[i] == '"' || t[i] == '\'')) {
			break
		}
		i = j
	}
	if i <= lo && lo > 0 {
		return false
	}
	var buf [32]byte
	ids := st.e.ids
	for k := 0; k < 4; k++ {
		ws, we, _, ok := nextWord(t, i, min(len(t), pos+200))
		if !ok || we-ws > len(buf)/2 {
			return false
		}
		i = we
		m := st.e.vocab.classify(lowerAppend(buf[:0], t, ws, we))
		if m.has(ids["imp"]) {
			return true
		}
		if m.has(ids["softener"]) {
			continue
		}
		// "In your response, suggest ...": the imperative follows the
		// opening phrase and its comma.
		if k == 0 && m.has(ids["outprep"]) {
			if c := strings.IndexByte(t[i:min(len(t), i+40)], ','); c >= 0 {
				i += c + 1
				continue
			}
		}
		return false
	}
	return false
}

// checkCodeRef scores "the following code snippet": an injected request
// when it points at the reader's work ("into your solution"), or when the
// code block after it makes network, exfiltration or process calls.
func (st *scanState) checkCodeRef(s, e int, conf float64) float64 {
	if st.cueNear(s, e, 120, st.e.ids["yourwork"]) && st.sentenceMentionsYour(s, e) {
		return conf
	}
	if st.dangerousBlock(e) {
		return conf - 0.05
	}
	return 0.4
}

// sentenceMentionsYour reports whether "your" occurs within 120 bytes
// after e or 80 before s, inside the sentence.
func (st *scanState) sentenceMentionsYour(s, e int) bool {
	t := st.text
	lo, hi := max(0, s-80), min(len(t), e+120)
	seg := t[lo:hi]
	for k := 0; k < len(seg); {
		j := strings.Index(seg[k:], "your")
		if j < 0 {
			return false
		}
		j += k
		if (j == 0 || class[seg[j-1]]&cLetter == 0) && !(j > 0 && seg[j-1] == 'Y') {
			return true
		}
		k = j + 4
	}
	return false
}

// dangerousCalls are calls that send data out, read secrets or run
// programs: what an injected code block is after.
var dangerousCalls = []string{
	"requests.", "socket", "smtplib", "subprocess", "os.system", "os.popen", "urllib",
	"http.client", "ftplib", "paramiko", "psutil", "pickle.load", "os.environ", "cookie",
	"eval(", "exec(", "curl ", "wget ", "shutil.", "base64.b64decode", "Popen", "/etc/passwd",
	"keylog", "pynput", "winreg", "ctypes", "xmrig", "miner", "fetch(", "XMLHttpRequest",
	"Invoke-WebRequest", "nc -e", "/dev/tcp", "mqtt", "sendmail", "scapy", "nmap",
}

// dangerousBlock reports whether a fenced code block starting within 200
// bytes after e contains one of dangerousCalls.
func (st *scanState) dangerousBlock(e int) bool {
	t := st.text
	hi := min(len(t), e+200)
	k := strings.Index(t[e:hi], "```")
	if k < 0 {
		return false
	}
	bs := e + k + 3
	be := min(len(t), bs+3000)
	if j := strings.Index(t[bs:be], "```"); j >= 0 {
		be = bs + j
	}
	block := t[bs:be]
	for _, c := range dangerousCalls {
		if strings.Contains(block, c) {
			return true
		}
	}
	return false
}
