package pii

import "strings"

// givenNames is a list of common given names from many languages, used to
// recognise a person's full name without any other cue ("Please add Kenji
// Chen as a delegate"): a given name from the list followed by a
// capitalised surname. A given name alone is never reported.
//
// Names that are also ordinary words, months, places or brands written
// with a capital (Will, May, June, Mark, Grace Period, Jordan, Victoria,
// Paris, Mercedes, Morgan) are left out on purpose. Keys are lower case,
// except that a name starting with a non-ASCII capital keeps it (Émile,
// Åsa), since the look-up folds ASCII letters only.
const givenNames = `
aaron abdul abdullah abel abigail abraham adam adebayo adedayo adeola adriana adrian adrien agnes
agnieszka ahmad ahmed aidan aiden aisha aishwarya akira akosua alain alan alberto albert alejandra
alejandro aleksandr aleksandra alessandra alessandro alexander alexandra alexandre alexei alexey
alfonso alfredo ali alice alicia alina alison alistair allison amanda amara amelia amina amir amit
amy ana anastasia anders andrea andreas andrei andrew andrés andrzej aneta angela angelika angelo
anil anita anja anjali ann anna annabelle anne anneke annika anthony antoine anton antonia antonio
anu anya aoife arjun arnaud arne arturo arun asha ashley ashok astrid ayesha ayumi ayşe
babajide bao barbara bartosz beatrice beatriz ben benedikt benjamin benoît bernard bernardo bernd
bettina bianca bilal birgit bjorn björn bogdan boris brandon brenda brendan brian bridget bruno
bukola caitlin camila camille carla carlo carlos carmen caroline carolyn cassandra catalina
catherine cecilia cédric celine céline chantal charles charlotte chen chiara chidi chidinma
chinedu chinonso chioma chloe chloé christian christina christine christoph christopher claire
clara claudia claudio colin connor constance cornelia cristina cynthia daan dagmar daisuke
dalia damian daniel daniela daniele danielle dariusz david deborah deepak deepika denis denise
dennis derek diana diego dieter dimitri dimitris dmitri dmitry dominik dominique donald donovan
dorothy dragan duncan dylan edith eduardo edward efosa eileen ekaterina elena eleni elias elif
elijah elisa elisabeth elizabeth ella ellen elodie Élodie emeka emil emilia emily emma emmanuel
emre enrique eoin eric erik erika erin ernesto esther ethan eugene eva evelyn fabian fabio
fabrice farah farid fatima fatimah fatma federica federico felipe felix fernando filip finn
fiona florian folake francesca francesco francis francisco françois franziska fraser frederik
gabriel gabriela gabriele gareth gary gaurav georg george georgios gerard gerhard giorgio
giovanni giulia giuseppe gloria gonzalo gordon graham grace gregor gregory greta guillaume
gunnar günter gustavo hamza hana hannah hans harald harish haruka haruto hassan heidi heike
heinz helen helena helga henrik henry hermann hideo hiroshi hitomi hugo hussein ian ibrahim
ida ifeoma ignacio igor ilse imran inés ines ingrid ioana irene irina isaac isabel isabella
isabelle ivan ivana jacob jacqueline jakub james jamie jana janet janina jasmin jasmine
jason javier jayden jean jennifer jens jeremy jessica jiahui
jian jie jing joanna joao joão joaquín joel johan johanna johannes john jonas jonathan jorge
josé josef joseph joshua juan judith julia julian julie julien jürgen justin jyoti kai kamal
karen karim karin karina karl karolina kasia katarzyna kate katharina katherine kathleen katja
katrin kavita kayode kazuki keiko kenji kenneth kerstin kevin khalid kiran kirsten klaus
krishna kristina krzysztof kwame kwabena lakshmi lara lars laura lauren laurent lea leah leila
lena leon leonardo leonie liam liang lina linda lisa liu lorenzo louis louise luca lucas
lucia luciana ludwig luis luisa lukas lukasz Łukasz luke lydia magdalena mahmoud maja malik
małgorzata manfred manon manuel manuela marc marcel marcin marco marcus margaret margarita
margot maria mariam mariana marie marina mario marion marisol marius marta martin martina
mary maryam masato mateo mateus matteo matthew matthias mattias maurice maximilian mehmet
mei melanie melissa mia michael michaela michał michel michelle miguel mikael mikhail
milena ming miriam mohamed mohammad mohammed monika monique muhammad mustafa nadia nadine
nanami naomi naoki natalia natalie natasha nathalie nathan nicola nicolas nicole niamh niklas
nikolai nikolaos nils nina noah noemi nora nuno obinna oksana olaf oleksandr olga olivia oliver
olivier oluwadamilola oluwaseun oluwatobi omar orla oscar otto owen pablo padraig paola
paolo pascal patricia patrick paul paula paulina pavel pedro peter petra philip philipp
philippe pierre pietro piotr pooja prakash pranav priya priyanka rachel rafael rafał rahul
raj rajesh rakesh ramón rani raphael raquel rashid rebecca reinhard renata renate rené
ricardo richard rita robert roberta roberto rodrigo roland roman rosa rosalind ruairí rui
ruth ryan ryo ryota sabine sadia sakura salma samantha samir samuel sandra sanjay
sara sarah sasha satoshi sean sebastian sebastián sergei sergey sergio shanthi sharon shauna
sheila shiho shreya sibusiso silvia simon simone siobhán sipho sofia sofía sonja sophia
sophie stefan stefanie stefano steffen stella stephanie stephen steven sunil susan susanne
sven svetlana swati sylvia sylvie szymon takashi takeshi tamara tanja tanya tatiana teresa
thabo theo theresa thomas tim timo tobias tomás tomasz toni torsten tuan tunde ulrich ulrike
uma ursula usha valentina valentin valeria vanessa vasily vera veronica veronika vicente
victor viktor vikram vincent vincenzo vladimir wei werner wilhelm william wojciech wolfgang
xavier xin xiaoming yan yannick yasmin yasmine yerlan yiannis yosef youssef yuki yuko yuri
yusuf yves zainab zanele zeynep zhang zofia zoe zoë Émile Åsa Øystein Ömer
`

// The given names have a filter (nameBits[h>>6][1], next to the filter
// of the triggers) and a table of their own, consulted only for words
// that start with a capital, so that they add nothing to the cost of the
// lower-case words of prose.
var givenTab *wordTable[bool]

func init() {
	m := map[string]bool{}
	for _, w := range strings.Fields(givenNames) {
		m[w] = true
		h := triggerHash(w)
		nameBits[h>>6][1] |= 1 << (h & 63)
	}
	givenTab = newWordTable(m)
}

// isGivenHashed reports whether the word w, whose triggerHash is h, is a
// given name of the list.
func isGivenHashed(w string, h uint32) bool {
	if nameBits[h>>6][1]&(1<<(h&63)) == 0 {
		return false
	}
	_, ok := givenTab.getHashed(w, h)
	return ok
}

// givenName reports a full name that starts with the given name at
// text[i:j]: the name and at least one capitalised surname ("Kenji Chen",
// "Jean-Luc Becker"), unless the words around them make a place, a street
// or a company of it ("St Louis Street", "Maria Hilf Hospital").
func (s *scanner) givenName(i, j int) int {
	text := s.text
	if i > 0 {
		switch c := text[i-1]; {
		case isAlnum(c), c == '-', c == '\'', c == '.', c == '@', c == '_', c == '/':
			return j // inside a token: "Anne-Marie", "j.smith", a URL
		}
		if placePrefix(text, i) {
			return j
		}
	}
	if w, _ := nameWord(text, i); w < j {
		return j // not capitalised
	}
	start, end, words := nameAt(text, i)
	if words < 2 || start != i {
		return j
	}
	// The last word must be a surname, not a street word ("Philip
	// Bypass"), and no house number may follow ("Peter Zuidhove 188").
	b := end
	for b > start && text[b-1] != ' ' {
		b--
	}
	if addrFlags(text[b:end])&(stSuffix|stWeak|fUnit) != 0 || houseNumberAt(text, end) {
		return j
	}
	s.add(kPerson, start, end, givenConf)
	return end
}

// houseNumberAt reports whether a short number standing alone follows at
// p: " 188", " 5,", not the first group of a longer number.
func houseNumberAt(text string, p int) bool {
	if p+1 >= len(text) || text[p] != ' ' || !isDigit(text[p+1]) {
		return false
	}
	_, e := readInt(text, p+1, 4)
	if e == p+1 {
		return false
	}
	return e == len(text) || !(isAlnum(text[e]) || text[e] == ' ' && e+1 < len(text) && isDigit(text[e+1]) ||
		(text[e] == '-' || text[e] == '.' || text[e] == '/') && e+1 < len(text) && isDigit(text[e+1]))
}

// givenConf is the confidence of a full name found through a given name
// alone.
const givenConf = 0.6

// placePrefix reports whether the word before the one at i makes a place,
// a street or an institution of a name ("St Louis", "Queen Mary", "rue
// Victor Hugo").
func placePrefix(text string, i int) bool {
	if i < 2 || text[i-1] != ' ' {
		return false
	}
	e := i - 1
	if text[e-1] == '.' {
		e--
	}
	b := e
	for b > 0 && e-b < 12 && class[text[b-1]]&cWord != 0 {
		b--
	}
	switch text[b:e] {
	case "St", "Ste", "Saint", "Sainte", "San", "Santa", "Sao", "Fort", "Port", "Mount", "Mt", "Lake",
		"Cape", "Lady", "Queen", "King", "Prince", "Princess", "Bad", "Villa", "Casa", "Hotel", "Club":
		return true
	}
	// A street named after a person: "avenue Jean Jaurès", "Via Giuseppe
	// Verdi".
	return b < e && addrFlags(text[b:e])&stPrefix != 0
}
