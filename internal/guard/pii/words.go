package pii

// Trigger words. A word is looked up only when a hash of its first three
// letters, its last letter and its length hits a 64 Kbit filter built from
// the trigger list, so most words of ordinary prose cost one multiply and
// one bit test.

// Roles a trigger word can play.
const (
	roleTitle   = 1 << iota // Mr, Dr: a name follows
	roleGreet               // Dear, Hi: a name follows
	roleSignoff             // Regards, Sincerely: a name follows on the next line
	roleName                // "name": "my name is", "Name:"
	roleAm                  // "am": "I am"
	roleCalled              // called, named
	roleRel                 // employee, patient, wife: a name may follow
	roleSays                // says, said: a full name may follow
	roleDOB                 // born, birth, DOB, birthday
	roleHealth              // first word of a health term
	roleThanks              // thanks: a name may follow on the next line
	roleLabel               // "By:", "Attn:": a name follows the colon
	roleBefore              // lives, said: a name may precede
)

const roleNames = roleTitle | roleGreet | roleSignoff | roleName | roleAm | roleCalled | roleRel |
	roleSays | roleThanks | roleLabel | roleBefore

// maxTrigger is the longest trigger word in bytes.
const maxTrigger = 24

type trigger struct {
	roles uint16
	// health phrases starting with this word (lower case), longest first,
	// and whether the single word must be written in capitals (AIDS).
	phrases   []string
	upperOnly bool
}

var (
	// labels are words that, followed by a colon, introduce a name
	// ("Directed By:", "Attn:"). They are looked up only before a colon.
	labels     = map[string]bool{}
	labelBits  [64]uint64
	labelTable *wordTable[bool]
	triggers   = map[string]*trigger{}
	triggerTab *wordTable[*trigger]
)

// nameBits holds, side by side so that a word costs one cache line, the
// bit filters of the triggers (nameBits[h>>6][0]) and of the given names
// (nameBits[h>>6][1]), by triggerHash.
var nameBits [1 << 16 / 64][2]uint64

// maybeTrigger reports whether the word w (1 to maxTrigger bytes) may be a
// trigger. It hashes the first, middle and last bytes and the length, with
// the ASCII case bit set so that letters hash the same in either case, and
// tests one bit of the filter; false positives are settled by the table.
func maybeTrigger(w string) bool {
	h := triggerHash(w)
	return nameBits[h>>6][0]&(1<<(h&63)) != 0
}

func triggerHash(w string) uint32 {
	l := len(w)
	if l == 0 {
		return 0
	}
	h := uint32(w[0]) | uint32(w[l>>1])<<8 | uint32(w[l-1])<<16 | uint32(l)<<24
	return ((h | 0x202020) * 0x9E3779B1) >> 16
}

// triggerHashBytes is triggerHash of a byte slice.
func triggerHashBytes(w []byte) uint32 {
	l := len(w)
	if l == 0 {
		return 0
	}
	h := uint32(w[0]) | uint32(w[l>>1])<<8 | uint32(w[l-1])<<16 | uint32(l)<<24
	return ((h | 0x202020) * 0x9E3779B1) >> 16
}

func addTrigger(w string, role uint16) *trigger {
	t := triggers[w]
	if t == nil {
		t = &trigger{}
		triggers[w] = t
		h := triggerHash(w)
		nameBits[h>>6][0] |= 1 << (h & 63)
	}
	t.roles |= role
	return t
}

func init() {
	for _, w := range []string{"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "mme", "mlle",
		"herr", "frau", "sr", "sra", "srta", "sig", "sir", "dame", "madam", "madame", "rev"} {
		addTrigger(w, roleTitle)
	}
	for _, w := range []string{"dear"} {
		addTrigger(w, roleGreet)
	}
	for _, w := range []string{"hi", "hello", "hey"} {
		addTrigger(w, roleGreet)
	}
	for _, w := range []string{"regards", "sincerely", "cheers", "signed", "faithfully", "truly"} {
		addTrigger(w, roleSignoff)
	}
	addTrigger("thanks", roleThanks)
	addTrigger("name", roleName)
	addTrigger("am", roleAm)
	addTrigger("called", roleCalled)
	addTrigger("named", roleCalled)
	for _, w := range []string{"employee", "contact", "patient", "customer", "client", "applicant", "colleague",
		"friend", "son", "daughter", "wife", "husband", "mother", "father", "brother", "sister", "manager",
		"boss", "tenant", "candidate", "member", "coworker", "grandmother", "grandfather", "uncle", "aunt",
		"cousin", "nephew", "niece", "partner", "spouse", "fiancé", "fiance", "girlfriend", "boyfriend"} {
		addTrigger(w, roleRel)
	}
	for _, w := range []string{"says", "said", "asked", "wrote"} {
		addTrigger(w, roleSays)
	}
	for _, w := range []string{"by", "attn", "attention", "author", "from", "to", "cc", "patient",
		"employee", "contact", "customer", "signed", "recipient", "sender", "owner", "holder",
		"cardholder", "name", "manager", "supervisor", "requester", "approver", "assignee",
		"beneficiary", "dependent", "dependant", "spouse", "referee",
		// German, French, Spanish, Italian, Dutch
		"mitarbeiter", "mitarbeiterin", "arbeitnehmer", "arbeitnehmerin", "inhaber", "kontoinhaber",
		"vorname", "nachname", "salarié", "salariée", "employé", "employée", "titulaire", "nom",
		"prénom", "bénéficiaire", "empleado", "empleada", "nombre", "apellidos", "titular",
		"dipendente", "nome", "cognome", "medewerker", "naam"} {
		labels[w] = true
		h := triggerHash(w) & 4095
		labelBits[h>>6] |= 1 << (h & 63)
	}
	for _, w := range []string{"lives", "said", "says", "wrote", "works", "asked", "replied"} {
		addTrigger(w, roleBefore)
	}
	for _, w := range []string{"born", "birth", "dob", "birthday", "birthdate", "d", "geboren", "geb",
		"geburtsdatum", "geburtstag", "naissance", "né", "née", "nacimiento", "nacido", "nacida", "nascita",
		"geboortedatum", "födelsedatum", "född", "fødselsdato", "født", "syntymäaika"} {
		addTrigger(w, roleDOB)
	}
	loadHealth()
	triggerTab = newWordTable(triggers)
	labelTable = newWordTable(labels)
}

// word handles a word text[i:j] of letters only, and returns where the scan
// resumes. trig says whether the word passed the trigger filter.
func (s *scanner) word(i, j int, trig bool) int {
	text := s.text
	l := j - i
	if l > maxTrigger {
		return j
	}
	if j < len(text) && (text[j] == ':' || text[j] == ' ' && j+1 < len(text) && text[j+1] == ':') {
		if l <= 4 && text[j] == ':' && hexColon(text, i) {
			if e := s.ipv6(i); e > 0 {
				return e
			}
		}
		if h := triggerHash(text[i:j]) & 4095; labelBits[h>>6]&(1<<(h&63)) != 0 && s.d.on(kPerson) {
			if _, ok := labelTable.get(text[i:j]); ok {
				if e := s.nameTrigger(i, j, roleLabel); e > j {
					return e
				}
			}
		}
	}
	if l == 1 && text[i] == 'I' && s.d.on(kPerson) {
		return s.iAm(j)
	}
	var t *trigger
	if trig {
		t, _ = triggerTab.get(text[i:j])
	}
	if t == nil {
		if l == 2 && j+1 < len(text) && text[j] == ' ' && isDigit(text[j+1]) && s.d.on(kNINO) {
			if e := s.ninoSpaced(i); e > 0 {
				return e
			}
		}
		if class[text[i]]&(cUpper|cHigh) != 0 && s.d.on(kPerson) && isGiven(text[i:j]) {
			return s.givenName(i, j)
		}
		return j
	}
	end := j
	if t.roles&roleDOB != 0 && s.d.on(kDOB) {
		end = max(end, s.dob(i, j))
	}
	if t.roles&roleHealth != 0 && s.d.on(kHealth) {
		end = max(end, s.health(i, j, t))
	}
	if t.roles&roleNames != 0 && s.d.on(kPerson) {
		for r := uint16(roleTitle); r <= roleBefore; r <<= 1 {
			if t.roles&r&roleNames != 0 {
				end = max(end, s.nameTrigger(i, j, r))
			}
		}
	}
	if end == j && class[text[i]]&(cUpper|cHigh) != 0 && s.d.on(kPerson) && isGiven(text[i:j]) {
		end = s.givenName(i, j)
	}
	return end
}
