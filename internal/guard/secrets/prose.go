package secrets

import "strings"

// Secrets written in sentences rather than settings: a secret-sounding name
// followed, on the same line, by its value, either at once or after a
// linking word or a colon:
//
//	my Workday password is QS3ahBr20yVO      the API token 04b5c0349…
//	password Cobalt%602Orb, API key 29tN…    client_secret is vcRYo7DE…
//	Temp password for the laptop: T5MQRa…    Mein Passwort lautet …
//
// The rule is anchored on the name ("password", "token", "key", German
// "Passwort", Spanish "contraseña", and "secret" at the end of a name such
// as "client_secret"). A name followed by
// "=" or ":" is left to the assignment rule. The value must look like a
// credential: a password mixes letters with digits or symbols, a secret
// or key is random-looking (see randomness); words, placeholders, paths
// and addresses are not reported. The finding covers the value only.

// proseNames are the names the rule is anchored on, lower case, and
// whether each names a password outright.
var proseNames = []struct {
	name string
	pass bool
}{
	{"password", true}, {"passwort", true}, {"passwd", true}, {"contraseña", true},
	{"secret", false}, {"token", false}, {"key", false},
}

// proseLinks are the words that link a name to its value ("is", and its
// German, French, Spanish and Dutch forms); a colon or "=" after the name
// or the words that follow it does the same.
var proseLinks = []string{"is", "was", "are", "lautet", "ist", "war", "est", "es", "era", "être", "now", "jetzt"}

// maxProseGap bounds the words between a name and a colon or linking word
// ("password for the new starter laptop: …").
const maxProseGap = 48

// prose handles a name of the prose rule starting at st.
func (s *state) prose(st int) {
	t := s.text
	if t[st] == '_' {
		st++ // "_secret"
	}
	if st < s.assignEnd || (st > 0 && is(t[st-1], cLower|cUpper|cDigit) && !isIdentJoin(t, st)) {
		return
	}
	ke, pass := -1, false
	for _, pn := range proseNames {
		if st+len(pn.name) <= len(t) && equalFoldASCII(t[st:st+len(pn.name)], pn.name) {
			ke, pass = st+len(pn.name), pn.pass
			break
		}
	}
	if ke < 0 || (ke < len(t) && is(t[ke], cAlnum|cURL)) || ke >= len(t) {
		return // part of a longer word or identifier: "passwords", "token_type"
	}
	// "password: …", "password=…", `"password": …` are assignments.
	p := ke
	for p < len(t) && p-ke < 4 && (t[p] == ' ' || t[p] == '\t') {
		p++
	}
	if p >= len(t) || strings.IndexByte(":=\"'`", t[p]) >= 0 || p == ke {
		return
	}
	v, linked := proseValue(t, p)
	if v < 0 {
		return
	}
	vs, ve, quoted := s.readValue(v)
	if ve < 0 || ve-vs > maxValue {
		return
	}
	for ve > vs && !quoted && strings.IndexByte(".:", t[ve-1]) >= 0 {
		ve-- // the end of the sentence, not of the value
	}
	if ve-vs < 6 || (!pass && ve-vs < 16) {
		return // too short for a password, or for a random secret
	}
	ks := st
	for ks > 0 && st-ks < 64 && is(t[ks-1], cIdent) {
		ks--
	}
	kind, aws := kindPass, false
	if !pass {
		if kind, aws = classifyKey(t, ks, ke); kind == kindNone {
			return
		}
	}
	val := t[vs:ve]
	if placeholder(val, t[ks:ke]) || strings.Contains(val, "://") || strings.ContainsRune(val, '@') ||
		val[0] == '/' || (!quoted && codeReference(val)) || namesSecret(val) {
		return
	}
	switch kind {
	case kindPass:
		conf := proseConf(val, linked)
		if conf == 0 {
			return
		}
		s.report(rulePassword, vs, ve, conf)
	default:
		if aws && len(val) == 40 && only(val, cBase64) && charClasses(val) >= 3 {
			s.report(ruleAWSSecretKey, vs, ve, 0.8)
			return
		}
		if conf := randomness(val); conf > 0 {
			s.report(ruleGenericSecret, vs, ve, conf)
		}
	}
}

// isIdentJoin reports whether the name at st ends an identifier that joins
// its words with '_' or '-' or by case ("client_secret", "apiKey"), so a
// letter before it is part of the same name.
func isIdentJoin(t string, st int) bool {
	return t[st-1] == '_' || t[st-1] == '-' || is(t[st], cUpper) && is(t[st-1], cLower)
}

// proseValue finds where the value starts after a name, at p (the first
// byte after the spaces that follow the name): at p itself when what is
// there is no plain word, or after a linking word, a colon or "=" that
// follows at most a few plain words. It returns -1 when there is no value,
// and whether a link was found.
func proseValue(t string, p int) (int, bool) {
	start := p
	for words := 0; p < len(t) && p-start <= maxProseGap && words <= 6; words++ {
		q := p
		for q < len(t) && (is(t[q], cLower|cUpper) || t[q] >= 0x80) {
			q++
		}
		if q == p || (q < len(t) && !(t[q] == ' ' || t[q] == ':' || t[q] == '=')) {
			// Not a plain word: the value, if nothing came before it.
			if words == 0 {
				return p, false
			}
			return -1, false
		}
		link := false
		for _, l := range proseLinks {
			if len(l) == q-p && equalFoldASCII(t[p:q], l) {
				link = true
				break
			}
		}
		for q < len(t) && t[q] == ' ' {
			q++
		}
		if q < len(t) && (t[q] == ':' || t[q] == '=') {
			q++
			link = true
			for q < len(t) && t[q] == ' ' {
				q++
			}
		}
		if link {
			// "is now", "ist jetzt": one more linking word may follow.
			if r := linkAfter(t, q); r > q {
				q = r
			}
			if q >= len(t) || t[q] == '\n' || t[q] == '\r' {
				return -1, false
			}
			return q, true
		}
		if q >= len(t) || q == p {
			return -1, false
		}
		p = q
	}
	return -1, false
}

// linkAfter returns the end of a second linking word and its spaces at q
// ("is now"), or q.
func linkAfter(t string, q int) int {
	for _, l := range [...]string{"now", "jetzt", "maintenant", "ahora", "nu"} {
		if q+len(l) < len(t) && equalFoldASCII(t[q:q+len(l)], l) && t[q+len(l)] == ' ' {
			return q + len(l) + 1
		}
	}
	return q
}

// proseConf returns the confidence that val, written after a password
// name in a sentence, is a password, or 0. It must mix letters with digits
// or symbols; without a linking word it must also be long and mix three
// kinds of characters.
func proseConf(val string, linked bool) float64 {
	n, cl := len(val), charClasses(val)
	if n < 6 || n > 64 || cl < 2 || only(val, cLower|cUpper) || strings.ContainsRune(val, ' ') {
		return 0
	}
	if only(val, cDigit) || (wordy(val) && !strings.ContainsAny(val, "0123456789")) {
		return 0
	}
	if !linked {
		if n < 8 || cl < 3 {
			return 0
		}
		return 0.6
	}
	return passwordConf(val, true)
}
