package knowledge

import (
	"strings"
	"unicode"
)

// stopWords are common English words (and question words) that carry no
// meaning for retrieval. They are matched after lowercasing and before
// stemming.
var stopWords = toSet(`a about above after again against all am an and any are aren arent as at
be because been before being below between both but by can cannot could couldn
did didn do does doesn doing don dont down during each few for from further
had hadn has hasn have haven having he her here hers herself him himself his
how i if in into is isn it its itself just let lets me might more most must mustn my myself
need needs no nor not now of off on once only or other ought our ours ourselves out over own
please same shall shan she should shouldn so some such tell than that thats the their theirs them themselves
then there theres these they this those through to too under until up upon us very was wasn we
were weren what whats when where which while who whom whose why will with won would wouldn
you your yours yourself yourselves im ive id youre hi hello hey thanks thank know want
also much many anyone happen happens happened policy policies someone something anything way like able okay ok`)

// irregular maps word forms the suffix stripper gets wrong to their stem.
var irregular = map[string]string{
	"paid":        "pay",
	"children":    "child",
	"travelling":  "travel",
	"travelled":   "travel",
	"traveller":   "travel",
	"cancelled":   "cancel",
	"cancelling":  "cancel",
	"labelled":    "label",
	"women":       "woman",
	"men":         "man",
	"people":      "person",
	"took":        "take",
	"taken":       "take",
	"gave":        "give",
	"given":       "give",
	"illness":     "ill",
	"sickness":    "sick",
	"lost":        "lose",
	"anonymously": "anonymous",
}

func toSet(words string) map[string]struct{} {
	set := make(map[string]struct{})
	for _, w := range strings.Fields(words) {
		set[w] = struct{}{}
	}
	return set
}

// tokenize splits s into index terms: lowercase runs of Unicode letters and
// digits, without stop words and single letters, stemmed. Apostrophes inside
// words are dropped ("doctor's" → "doctor"), and ordinal suffixes after
// digits are removed ("25th" → "25").
func tokenize(s string) []string {
	var terms []string
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		word = word[:0]
		w = strings.TrimSuffix(w, "'s")
		w = strings.ReplaceAll(w, "'", "")
		if t := term(w); t != "" {
			terms = append(terms, t)
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, unicode.ToLower(r))
		case (r == '\'' || r == '’') && len(word) > 0 && i+1 < len(runes) && unicode.IsLetter(runes[i+1]):
			word = append(word, '\'')
		default:
			flush()
		}
	}
	flush()
	return terms
}

// term turns one lowercase word into its index term, or "" for a stop word
// or a word too short to mean anything.
func term(w string) string {
	if _, ok := stopWords[w]; ok {
		return ""
	}
	if len(w) < 2 && !isDigits(w) {
		return ""
	}
	if w[0] >= '0' && w[0] <= '9' {
		return stripOrdinal(w)
	}
	return stem(w)
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// stripOrdinal turns "25th", "1st", "2nd" and "3rd" into their number.
func stripOrdinal(w string) string {
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if n := strings.TrimSuffix(w, suf); n != w && isDigits(n) {
			return n
		}
	}
	return w
}

// stem strips common English inflections so that "days" and "day", "leaves"
// and "leave", "booking" and "book", "approved" and "approve" share a term.
// It is deliberately light: a wrong merge costs more than a missed one.
func stem(w string) string {
	if s, ok := irregular[w]; ok {
		w = s
	}
	if !isASCIILetters(w) || len(w) <= 3 {
		return w
	}
	stripped := false
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		// "class", "bonus", "basis": not plurals.
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ing") && hasVowel(w[:len(w)-3]) && len(w) >= 6:
		w, stripped = w[:len(w)-3], true
	case strings.HasSuffix(w, "ed") && hasVowel(w[:len(w)-2]) && len(w) >= 5 && !strings.HasSuffix(w, "eed"):
		w, stripped = w[:len(w)-2], true
	}
	if stripped && len(w) > 3 && w[len(w)-1] == w[len(w)-2] && !strings.ContainsRune("aeiouslz", rune(w[len(w)-1])) {
		w = w[:len(w)-1] // "submitted" → "submit"
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1] // "leave"/"leaving" → "leav", "approve"/"approved" → "approv"
	}
	return w
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

func hasVowel(w string) bool {
	return strings.ContainsAny(w, "aeiouy")
}
