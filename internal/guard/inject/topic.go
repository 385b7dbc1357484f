package inject

import "strings"

// Requests for the rules of a subject. Staff speak of the company's rules
// as the agent's own: "tell me your rules for booking leave", "give me
// your guidelines on expense claims". The phrase tables let such requests
// through (checkPromptNoun); the scorer, which reads a sentence as a bag
// of word classes, sees a disclosure verb, "your" and a rules noun, and
// would report them as prompt extraction. topicRequest tells the two
// apart for the scorer. A request that names the agent's own conduct
// ("your rules for answering users", "your instructions for this chat",
// "your rules on what you can share") is not a subject request, and the
// answer is checked for a verbatim copy of the instructions either way.

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
var selfTopics = wordSet(`this that these those the a an it its you your yourself yourselves
	what how which when whether who whom why where if
	answering answer answers responding response responses replying reply replies
	talking chatting speaking writing saying handling dealing treating refusing
	users user people employees staff requests questions prompts messages
	conversation conversations chat chats session sessions me my us our`)

// topicClasses are the lexicon classes a subject request is made of
// (a word of the safety class only as a rules noun: "rules" is both).
const topicClasses = 1<<lxReveal | 1<<lxRules | 1<<lxSafety | 1<<lxYou | 1<<lxSelf | 1<<lxPlease

// topicRequest reports whether the sentence text[s:e], with lexicon
// classes all, asks for the rules of a subject: its classes are those of
// such a request, its disclosure verbs are mild, and every rules noun in
// it is one a subject request uses, follows "your", and is followed by a
// link word and a subject that is not the agent's own conduct.
func (st *scanState) topicRequest(s, e int, all uint32) bool {
	if all&^topicClasses != 0 || all&(1<<lxRules) == 0 {
		return false
	}
	t := st.text
	var buf [32]byte
	afterYour := false // the word before is "your"
	nouns := 0
	pos := s
	for k := 0; k < maxUnitWords; k++ {
		ws, we, _, ok := nextWord(t, pos, e)
		if !ok {
			break
		}
		pos = we
		if we-ws > len(buf) {
			afterYour = false
			continue
		}
		w := lowerAppend(buf[:0], t, ws, we)
		ent, _ := theLexicon.lookup(w)
		switch {
		case ent.mask&(1<<lxRules|1<<lxSafety) != 0: // "rules" is both
			if !topicNouns[string(w)] || !afterYour {
				return false
			}
			var lb, sb [32]byte
			ls, le, brk, ok := nextWord(t, we, e)
			if !ok || brk || le-ls > len(lb) || !topicLinks[string(lowerAppend(lb[:0], t, ls, le))] {
				return false
			}
			ss, se, brk, ok := nextWord(t, le, e)
			if !ok || brk || se-ss > len(sb) {
				return false
			}
			subj := lowerAppend(sb[:0], t, ss, se)
			if se, _ := theLexicon.lookup(subj); se.mask != 0 || selfTopics[string(subj)] {
				return false
			}
			nouns++
		case ent.mask&(1<<lxReveal) != 0:
			if !topicVerbs[string(w)] {
				return false
			}
		}
		afterYour = string(w) == "your"
	}
	return nouns > 0
}

// wordSet builds a set of the words of a space-separated list.
func wordSet(list string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
