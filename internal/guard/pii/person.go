package pii

import (
	"unicode"
	"unicode/utf8"
)

// Person names are reported only where the text introduces one: after a
// title (Mr., Dr.), a greeting (Dear), a sign-off (Regards,), "my name is",
// "Name:", "name on card:", "I am", "called", or a relation (employee,
// wife); or where a common given name starts it (see names.go). A name is one
// to four capitalised words, which may carry diacritics, hyphens and
// apostrophes (O'Brien, Jean-Luc, Szöllösy), initials (J.) and lower-case
// particles between them (van, de).

// nonNames are capitalised words that follow the triggers but are not
// names ("I am Sorry", "Dear Sir", "Hi There").
var (
	nonNames    = map[string]bool{}
	nonNameBits [64]uint64 // filter in front of nonNames
	nonNameTab  *wordTable[bool]
)

func init() {
	for _, w := range []string{
		"the", "a", "an", "and", "or", "but", "if", "in", "on", "at", "to", "for", "of", "from", "with",
		"by", "as", "is", "am", "are", "was", "were", "be", "been", "not", "no", "yes", "so", "i", "me",
		"my", "you", "your", "he", "she", "his", "her", "it", "its", "we", "our", "they", "their", "this",
		"that", "these", "those", "there", "here", "what", "when", "where", "who", "why", "how", "which",
		"please", "thanks", "thank", "hi", "hello", "hey", "dear", "sir", "sirs", "madam", "madame",
		"mr", "mrs", "ms", "dr", "team", "all", "everyone", "everybody", "world", "guys", "folks",
		"friends", "colleagues", "us", "them", "him", "customer", "customers", "support", "service", "sales", "admin",
		"user", "users", "manager", "client", "hr", "it", "department", "office", "board", "committee",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"january", "february", "march", "april", "may", "june", "july", "august", "september",
		"october", "november", "december", "today", "tomorrow", "yesterday", "tonight", "now", "then",
		"new", "just", "very", "really", "sorry", "glad", "happy", "fine", "good", "well", "okay", "ok",
		"sure", "unable", "able", "interested", "available", "also", "currently", "still", "back",
		"ready", "done", "afraid", "aware", "pleased", "delighted", "excited", "concerned", "worried",
		"confused", "looking", "writing", "trying", "going", "calling", "having", "getting", "contacting",
		"reaching", "following", "attaching", "sending", "asking", "wondering", "hoping", "planning",
		"responsible", "in-charge", "new", "here", "not", "an", "one", "some", "any", "every", "each",
		"best", "kind", "warm", "warmest", "kindest", "regards", "sincerely", "cheers", "yours",
		"again", "always", "everyone", "anyone", "someone", "nobody", "none", "other", "others",
		"number", "phone", "email", "e-mail", "address", "card", "account", "id", "name", "date",
		"god", "jesus", "christmas", "easter", "ai", "bot", "assistant", "chatgpt", "copilot",
		"inc", "llc", "ltd", "corp", "corporation", "gmbh", "plc", "co", "company", "group",
		"technologies", "solutions", "research", "partners", "holdings", "bank", "university",
		"school", "hospital", "foundation", "association", "services", "systems", "labs",
		// departments, which ask and say things as people do
		"finance", "payroll", "legal", "marketing", "engineering", "security", "procurement",
		"accounting", "accounts", "compliance", "facilities", "management", "operations",
		"recruiting", "recruitment", "benefits", "treasury", "audit", "helpdesk", "reception",
		"purchasing", "logistics", "personnel", "leadership", "staff", "hr's", "success",
		// what an organisation runs or is
		"programme", "program", "scheme", "robotics",
	} {
		nonNames[w] = true
		h := triggerHash(w) & 4095
		nonNameBits[h>>6] |= 1 << (h & 63)
	}
	nonNameTab = newWordTable(nonNames)
}

// particles may appear in lower case between the capitalised words of a
// name.
var particles = map[string]bool{
	"van": true, "von": true, "de": true, "der": true, "den": true, "da": true, "di": true,
	"del": true, "della": true, "le": true, "la": true, "du": true, "des": true, "bin": true,
	"ibn": true, "al": true, "el": true, "ter": true, "ten": true, "dos": true, "das": true, "y": true,
}

// roleConf is the confidence of a name found through each role.
func roleConf(role uint16) float64 {
	switch role {
	case roleTitle:
		return 0.85
	case roleName:
		return 0.8
	case roleCalled:
		return 0.75
	case roleSignoff, roleLabel:
		return 0.7
	case roleRel:
		return 0.65
	}
	return 0.6
}

// nameTrigger looks for a name around the trigger word text[i:j] playing
// the given role.
func (s *scanner) nameTrigger(i, j int, role uint16) int {
	text := s.text
	conf := roleConf(role)
	p := j
	minWords := 1
	switch role {
	case roleTitle:
		// "Dr. Anette Lahtela", "Mr Smith"; the title must be capitalised.
		if !isUpper(text[i]) {
			return j
		}
		if p < len(text) && text[p] == '.' {
			p++
		}
	case roleName:
		// "my name is X", "name is X", "Name: X", "last name? X"
		switch {
		case hasPrefixFold(text, p, " is "):
			p += 3
			if i >= 3 && hasPrefixFold(text, i-3, "my ") {
				conf = 0.9
			}
		case hasPrefixFold(text, p, ":"), hasPrefixFold(text, p, "?"), hasPrefixFold(text, p, " :"):
			if text[p] == ' ' {
				p++
			}
			p++
			conf = 0.85
			for k := 0; k < 2 && p < len(text) && (text[p] == '\n' || text[p] == '\t' || text[p] == ' '); k++ {
				p++
			}
			p-- // nameAt expects one separator
		default:
			// "name on card: X", "name of the employee: X"
			q := labelTail(text, p)
			if q < 0 {
				return j
			}
			p, conf = q, 0.8
		}
	case roleAm:
		if i < 2 || text[i-2:i] != "I " {
			return j
		}
	case roleGreet:
		if !isUpper(text[i]) {
			return j
		}
		if j-i == 4 { // Dear
			conf = 0.75
		}
	case roleSignoff, roleThanks:
		// "Regards,\nJohn Smith"
		if p < len(text) && (text[p] == ',' || text[p] == '!' || text[p] == '.') {
			p++
		} else if role == roleThanks {
			return j
		}
		q := p
		for q < len(text) && q-p < 4 && (text[q] == ' ' || text[q] == '\n' || text[q] == '\r' || text[q] == '\t') {
			q++
		}
		if q == p || (role == roleThanks && !containsNL(text[p:q])) {
			return j
		}
		p = q - 1
	case roleCalled:
		if i > 0 && text[i-1] == '-' {
			return j // "so-called"
		}
	case roleSays:
		minWords = 2
	case roleRel:
		if p < len(text) && text[p] == ':' {
			p++
		}
	case roleLabel:
		// "Directed By:    Jane Doe", "Attn: Jane Doe", "Salarié : Jane Doe"
		if p+1 < len(text) && text[p] == ' ' && text[p+1] == ':' {
			p++
		}
		if p >= len(text) || text[p] != ':' {
			return j
		}
		switch l := j - i; {
		case l == 2, l == 4 && hasPrefixFold(text, i, "from"): // by, to, cc, from: often an organisation
			conf = 0.55
		}
		p++
		for k := 0; k < 4 && p+1 < len(text) && text[p] == ' ' && text[p+1] == ' '; k++ {
			p++
		}
	case roleBefore:
		return s.nameBefore(i, conf)
	}
	if p >= len(text) || (text[p] != ' ' && text[p] != '\n' && text[p] != '\t') {
		return j
	}
	if text[p] != ' ' && role&(roleName|roleSignoff|roleThanks|roleLabel) == 0 {
		return j // only labels and sign-offs put the name on the next line
	}
	start, end, words := nameAt(text, p+1)
	if words < minWords {
		return j
	}
	if role == roleGreet && end < len(text) && isAlnum(text[end]) {
		return j
	}
	s.add(kPerson, start, end, conf)
	return end
}

// labelTail reads a few lower-case words and a colon after "name" at p
// ("name on card: ", "name as on the passport: ") and returns the position
// of the separator after the colon, or -1.
func labelTail(text string, p int) int {
	words := 0
	for words < 4 && p+1 < len(text) && text[p] == ' ' && text[p+1]-'a' < 26 {
		q := p + 1
		for q < len(text) && q-p < 14 && text[q]-'a' < 26 {
			q++
		}
		p, words = q, words+1
	}
	if words == 0 || p+1 >= len(text) || text[p] != ':' || text[p+1] != ' ' {
		return -1
	}
	return p + 1
}

func containsNL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return true
		}
	}
	return false
}

// nameBefore reports a name that ends just before the word at i, which
// says that what precedes it is a person ("Jane Doe lives at", "Jane
// said").
func (s *scanner) nameBefore(i int, conf float64) int {
	text := s.text
	if i < 2 || text[i-1] != ' ' {
		return i
	}
	// Walk back over at most four words.
	b := i - 1
	for k := 0; k < 4 && b > 0; k++ {
		q := b
		for q > 0 && b-q < 40 && (isAlnum(text[q-1]) || text[q-1] == '-' || text[q-1] == '\'' || text[q-1] == '.') {
			q--
		}
		if q == b || (q > 0 && isAlnum(text[q-1])) {
			break
		}
		if w, _ := nameWord(text, q); w == q {
			break
		}
		b = q
		if q < 2 || text[q-1] != ' ' {
			break
		}
		b = q - 1
	}
	if b < len(text) && text[b] == ' ' {
		b++
	}
	for b < i-1 {
		start, end, words := nameAt(text, b)
		if words > 0 && end == i-1 {
			s.add(kPerson, start, end, conf)
			return i
		}
		// Drop the first word and try again ("The Doe family said").
		for b < i-1 && text[b] != ' ' {
			b++
		}
		b++
	}
	return i
}

// iAm handles "I am X" and "I'm X" after the word "I" ending at j.
func (s *scanner) iAm(j int) int {
	text := s.text
	var p int
	switch {
	case hasPrefixFold(text, j, "'m "):
		p = j + 2
	case hasPrefixFold(text, j, "\u2019m "):
		p = j + 4
	case hasPrefixFold(text, j, " am "):
		p = j + 3
	default:
		return j
	}
	start, end, words := nameAt(text, p+1)
	if words == 0 {
		return j
	}
	s.add(kPerson, start, end, 0.6)
	return end
}

// nameAt reads a name of up to four words starting at p. It returns the
// span and the number of capitalised words (0 when there is no name).
func nameAt(text string, p int) (start, end, words int) {
	start = p
	var ends [4]int
	var initials [4]bool
	for words < 4 && p < len(text) {
		w, initial := nameWord(text, p)
		if w == p {
			// A lower-case particle between capitalised words.
			if words == 0 {
				break
			}
			q := p
			for q < len(text) && q-p < 6 && isAlpha(text[q]) && !isUpper(text[q]) {
				q++
			}
			if q == p || q >= len(text) || text[q] != ' ' || !particles[text[p:q]] {
				break
			}
			if w2, _ := nameWord(text, q+1); w2 == q+1 {
				break
			}
			p = q + 1
			continue
		}
		if !initial && isNonName(text[p:w]) {
			if isOrgSuffix(text[p:w]) {
				return start, start, 0 // "Bertha Inc" names a company
			}
			break
		}
		ends[words], initials[words] = w, initial
		words++
		if w+1 >= len(text) || text[w] != ' ' {
			break
		}
		p = w + 1
	}
	// A trailing initial without a surname is not part of the name.
	for words > 0 && initials[words-1] {
		words--
	}
	if words == 0 {
		return start, start, 0
	}
	return start, ends[words-1], words
}

// nameWord returns the end of a capitalised name word at p (p itself when
// there is none) and whether it is an initial ("J.").
func nameWord(text string, p int) (end int, initial bool) {
	if p >= len(text) {
		return p, false
	}
	r, size := rune(text[p]), 1
	if r >= utf8.RuneSelf {
		r, size = utf8.DecodeRuneInString(text[p:])
	}
	if !unicode.IsUpper(r) {
		return p, false
	}
	q := p + size
	if q < len(text) && text[q] == '.' && (q+1 >= len(text) || !isAlnum(text[q+1])) {
		return q + 1, true
	}
	lowerSeen := false
	upperRun := 1 // capitals at the start of the word
	for q < len(text) && q-p < 40 {
		c := text[q]
		if c < utf8.RuneSelf {
			switch {
			case isAlpha(c):
				if !isUpper(c) {
					lowerSeen = true
				} else if !lowerSeen && upperRun == q-p {
					upperRun++
				}
				q++
				continue
			case (c == '-' || c == '\'') && q+1 < len(text) && class[text[q+1]]&cWord != 0:
				q++
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(text[q:])
		if r == '\u2019' && q+size < len(text) && isAlpha(text[q+size]) {
			q += size
			continue
		}
		if !unicode.IsLetter(r) {
			break
		}
		if unicode.IsLower(r) {
			lowerSeen = true
		}
		q += size
	}
	if q < len(text) && isDigit(text[q]) {
		return p, false
	}
	if upperRun >= 2 && q-p == upperRun+1 && text[q-1] == 's' {
		return p, false // an acronym's plural: APIs, IDs, URLs
	}
	if !lowerSeen {
		// All capitals: an acronym or a shouted word, not a name, unless
		// it is a single letter used as an initial or a roman numeral.
		if q-p == size {
			if q < len(text) && text[q] == ' ' {
				return q, true
			}
			return p, false
		}
		if isNumeral(text[p:q]) {
			return q, false
		}
		return p, false
	}
	return q, false
}

func isNumeral(w string) bool {
	switch w {
	case "II", "III", "IV", "VI", "VII", "VIII", "Jr", "Sr":
		return true
	}
	return false
}

// isOrgSuffix reports a word that ends the name of an organisation.
func isOrgSuffix(w string) bool {
	switch w {
	case "Inc", "LLC", "Ltd", "Corp", "Corporation", "GmbH", "PLC", "Plc", "Co", "Company", "Group",
		"Technologies", "Solutions", "Partners", "Holdings", "Bank", "University", "Foundation",
		"Association", "Services", "Systems", "Labs", "AG", "SA", "BV", "NV", "AB", "Oy", "AS",
		"Programme", "Program", "Scheme", "Robotics":
		return true
	}
	return false
}

// isNonName reports a capitalised word that is not a name.
func isNonName(w string) bool {
	h := triggerHash(w)
	if b := h & 4095; nonNameBits[b>>6]&(1<<(b&63)) == 0 {
		return false
	}
	_, ok := nonNameTab.getHashed(w, h)
	return ok
}
