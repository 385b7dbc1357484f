package pii

// Trigger words. A word is looked up only when a hash of its first eight
// bytes and its length (triggerHash) hits a 64 Kbit filter built from the
// trigger list, so most words of ordinary prose cost one multiply and one
// bit test.

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

// triggerHash is the 16-bit hash of a word behind the bit filters and the
// word tables: a hash of its first eight bytes (fewer for a shorter word)
// with the ASCII case bit set in each, so that letters hash the same in
// either case, and of its length. The scan loop computes it from the eight
// bytes it loads at the start of a word (see hashWord).
func triggerHash(w string) uint32 { return hashOf(w) }

// triggerHashBytes is triggerHash of a byte slice.
func triggerHashBytes(w []byte) uint32 { return hashOf(w) }

// hashOf is triggerHash of a string or a byte slice.
func hashOf[T string | []byte](w T) uint32 {
	l := len(w)
	var v uint64
	switch {
	case l >= 8:
		v = uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		return hashWord(v|caseBits, l)
	case l >= 4:
		// Two loads of four bytes that overlap for fewer than eight.
		lo := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24
		t := w[l-4:]
		hi := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24
		v = lo | hi<<((l-4)*8&63)
	case l >= 2:
		lo := uint64(w[0]) | uint64(w[1])<<8
		hi := uint64(w[l-2]) | uint64(w[l-1])<<8
		v = lo | hi<<((l-2)*8&63)
	case l == 1:
		v = uint64(w[0])
	default:
		return 0
	}
	return hashWord((v|caseBits)&(1<<(l*8&63)-1), l)
}

// caseBits is the ASCII case bit in every byte.
const caseBits = 0x2020202020202020

// hashWord mixes the first bytes v of a word, at most eight, with their
// case bits set and zero above the word, and its length l. Any odd
// multiplier is correct; this one was picked among random ones because
// few common words of e-mail and chat text share a filter bit with a
// trigger or a given name, which spares them the call to word.
func hashWord(v uint64, l int) uint32 {
	return uint32((v + uint64(l)) * hashMul >> 48)
}

// hashMul is hashWord's multiplier.
const hashMul = 0xa31801305a67b19b

// pairHash is the hash of the cue filters' two-word phrases (see
// cueSet.maybePair): the first, middle and last bytes and the length.
func pairHash(w string) uint32 {
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
	// "I" passes the filter of given names, so that the scan loop sends it
	// to word ("I am", "I'm") without a test of its own; word finds no given
	// name in it, as for any other word that only shares a filter bit.
	h := triggerHash("I")
	nameBits[h>>6][1] |= 1 << (h & 63)
	triggerTab = newWordTable(triggers)
	labelTable = newWordTable(labels)
}

// word handles a word text[i:j] of letters only, whose triggerHash is h,
// and returns where the scan resumes.
func (s *scanner) word(i, j int, h uint32) int {
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
		if b := h & 4095; labelBits[b>>6]&(1<<(b&63)) != 0 && s.d.on(kPerson) {
			if _, ok := labelTable.getHashed(text[i:j], h); ok {
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
	if nameBits[h>>6][0]&(1<<(h&63)) != 0 {
		t, _ = triggerTab.getHashed(text[i:j], h)
	}
	if t == nil {
		if l == 2 && j+1 < len(text) && text[j] == ' ' && isDigit(text[j+1]) && s.d.on(kNINO) {
			if e := s.ninoSpaced(i); e > 0 {
				return e
			}
		}
		if class[text[i]]&(cUpper|cHigh) != 0 && s.d.on(kPerson) && isGivenHashed(text[i:j], h) {
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
		for rs := t.roles & roleNames; rs != 0; rs &= rs - 1 {
			end = max(end, s.nameTrigger(i, j, rs&-rs)) // lowest role first
		}
	}
	if end == j && class[text[i]]&(cUpper|cHigh) != 0 && s.d.on(kPerson) && isGivenHashed(text[i:j], h) {
		end = s.givenName(i, j)
	}
	return end
}
