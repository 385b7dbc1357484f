package inject

import "strings"

// Requests for the rules of a subject. Staff speak of the company's rules
// as the agent's own: "tell me your rules for booking leave", "give me
// your guidelines on expense claims", and ask what it was told about a
// subject: "what were you told about the office move?". The phrase tables
// let the first through (checkPromptNoun) and, for the second, drop
// "what were you told" when a subject follows (toldAbout); the scorer,
// which reads a sentence as a bag of word classes, sees a disclosure verb
// or "told", "you(r)" and a rules noun, and would report both as prompt
// extraction. topicRequest tells them apart for the scorer. A request
// that names the agent's own conduct ("your rules for answering users",
// "your instructions for this chat", "what were you told about what you
// can say") is not a subject request, and the answer is checked for a
// verbatim copy of the instructions either way.

// topicNouns are the rules nouns a subject request may use: not "prompt"
// or "programming", which only the agent has.
var topicNouns = wordSet(`rules rule guidelines guideline policies policy instructions
	instruction procedures procedure regulations`)

// topicVerbs are the mild disclosure verbs of a subject request; a strong
// one ("reveal", "print", "repeat", "output", "dump") keeps the sentence
// an extraction.
var topicVerbs = wordSet(`tell give list show share explain send describe outline
	summarise summarize provide walk`)

// topicLinks open the subject after the rules noun.
var topicLinks = wordSet(`for on about regarding concerning around`)

// selfTopics are subjects that name the agent, the conversation or how
// the agent answers: "your rules for this chat", "... on what you can
// say", "... for answering users".
var selfTopics = wordSet(`this that these those it its you your yourself yourselves
	what how which when whether who whom why where if
	answering answer answers responding response responses replying reply replies
	talking chatting speaking writing saying handling dealing treating refusing
	users user people employees staff requests questions prompts messages
	conversation conversations chat chats session sessions me my us our`)

// topicClasses are the lexicon classes the words before the subject may
// have (a word of the safety class only as a rules noun: "rules" is both;
// of the setup class only as "told").
const topicClasses = 1<<lxReveal | 1<<lxRules | 1<<lxSafety | 1<<lxYou | 1<<lxSelf | 1<<lxPlease | 1<<lxSetup

// subjectBars are the lexicon classes no word of the subject, or after
// it, may have: those of an attack, and of data it is after. "new",
// "changes", "first" and the like name subjects too ("the new pension
// provider").
const subjectBars = 1<<lxOverride | 1<<lxRules | 1<<lxSafety | 1<<lxYou | 1<<lxAI | 1<<lxUnbound |
	1<<lxRole | 1<<lxReveal | 1<<lxSecret | 1<<lxSend | 1<<lxConv | 1<<lxAuthority | 1<<lxObey |
	1<<lxVoid | 1<<lxSetup | 1<<lxPriority | 1<<lxData

// topicRequest reports whether the sentence text[s:e], with lexicon
// classes all, asks for the rules of a subject, or what the agent was
// told about one. Before the subject: only words of topicClasses, mild
// disclosure verbs, a rules noun a subject request uses right after
// "your", or "told"; then a link word and a subject (subjectAfter); from
// there to the end of the sentence, no word of subjectBars.
func (st *scanState) topicRequest(s, e int, all uint32) bool {
	if all&(1<<lxRules|1<<lxSetup) == 0 {
		return false
	}
	t := st.text
	var buf [32]byte
	afterYour := false // the word before is "your"
	inSubject := false
	pos := s
	for k := 0; k < maxUnitWords; k++ {
		ws, we, _, ok := nextWord(t, pos, e)
		if !ok {
			return inSubject
		}
		pos = we
		if we-ws > len(buf) {
			afterYour = false
			continue
		}
		w := lowerAppend(buf[:0], t, ws, we)
		ent, _ := theLexicon.lookup(w)
		if inSubject {
			if ent.mask&subjectBars != 0 {
				return false
			}
			continue
		}
		if ent.mask&^topicClasses != 0 {
			return false
		}
		switch {
		case ent.mask&(1<<lxRules|1<<lxSafety) != 0: // "rules" is both
			if !topicNouns[string(w)] || !afterYour || !st.subjectAfter(we, e) {
				return false
			}
			inSubject = true
		case ent.mask&(1<<lxSetup) != 0:
			if string(w) != "told" || !st.subjectAfter(we, e) {
				return false
			}
			inSubject = true
		case ent.mask&(1<<lxReveal) != 0:
			if !topicVerbs[string(w)] {
				return false
			}
		}
		afterYour = string(w) == "your"
	}
	return false
}

// toldAbout reports whether the phrase match text[s:e] ends in "told"
// followed by a subject: "what were you told about the office move" asks
// what the agent knows, "what were you told?" for its instructions.
func (st *scanState) toldAbout(s, e int) bool {
	t := st.text
	ws := e
	for ws > s && class[t[ws-1]]&cWord != 0 {
		ws--
	}
	return strings.EqualFold(t[ws:e], "told") && st.subjectAfter(e, min(len(t), e+80))
}

// subjectAfter reports whether the words from text[p:] on, before limit,
// are a link word ("for", "on", "about", ...) and a subject: after "the",
// "a" or "an", a word of no class of subjectBars that does not name the
// agent, the conversation or how the agent answers.
func (st *scanState) subjectAfter(p, limit int) bool {
	t := st.text
	var b [32]byte
	ls, le, brk, ok := nextWord(t, p, limit)
	if !ok || brk || le-ls > len(b) || !topicLinks[string(lowerAppend(b[:0], t, ls, le))] {
		return false
	}
	for k := 0; k < 2; k++ {
		ss, se, brk, ok := nextWord(t, le, limit)
		if !ok || brk || se-ss > len(b) {
			return false
		}
		subj := lowerAppend(b[:0], t, ss, se)
		if k == 0 && articles[string(subj)] {
			le = se
			continue
		}
		ent, _ := theLexicon.lookup(subj)
		return ent.mask&subjectBars == 0 && !selfTopics[string(subj)]
	}
	return false
}

// articles may open a subject.
var articles = wordSet(`the a an`)

// wordSet builds a set of the words of a space-separated list.
func wordSet(list string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// Practice role-play. Staff rehearse hard conversations with an HR agent:
// "simulate a salary negotiation with me, you play the manager". The
// scorer sees a role-play frame and a word of what attacks are after
// ("salary") and would report a jailbreak. practiceRolePlay tells such a
// rehearsal from a persona that sheds the rules.

// workRoles are the counterparts a rehearsal casts the agent as.
var workRoles = wordSet(`manager managers interviewer interviewers candidate employee colleague
	customer customers recruiter boss supervisor coach mentor client director counterpart
	negotiator interviewee applicant trainee peer hr-advisor advisor team-lead lead`)

// practiceBars are the classes of a persona that sheds the rules, or of
// a request to disclose: none may occur in a rehearsal.
const practiceBars = 1<<lxOverride | 1<<lxRules | 1<<lxSafety | 1<<lxAI | 1<<lxUnbound | 1<<lxSecret |
	1<<lxSend | 1<<lxConv | 1<<lxAuthority | 1<<lxObey | 1<<lxVoid | 1<<lxSetup | 1<<lxPriority |
	1<<lxReveal | 1<<lxChange | 1<<lxOn

// practiceRolePlay reports whether the sentence text[s:e], with lexicon
// classes all, which the scorer would report as a jailbreak, casts the
// agent as a workplace counterpart with no word of practiceBars.
func (st *scanState) practiceRolePlay(s, e int, all uint32) bool {
	if all&practiceBars != 0 {
		return false
	}
	t := st.text
	var buf [32]byte
	pos := s
	for k := 0; k < maxUnitWords; k++ {
		ws, we, _, ok := nextWord(t, pos, e)
		if !ok {
			break
		}
		pos = we
		if we-ws <= len(buf) && workRoles[string(lowerAppend(buf[:0], t, ws, we))] {
			return true
		}
	}
	return false
}
