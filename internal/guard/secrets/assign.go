package secrets

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// Assignments: a secret-sounding name followed by a value, in the forms
// configuration, code and chat use:
//
//	password = hunter2        DB_PASSWORD=hunter2       password := "hunter2"
//	password: hunter2         "password": "hunter2"     'password' => 'hunter2'
//	--password hunter2        Authorization: Bearer …   ?token=…&
//
// They are anchored on the operator (= or :) and on "--"; the name before
// the operator is then compared with the rules' keywords. A name ending in
// a password word (password, passwd, pwd, pass, passphrase) makes the value
// a "password". A name ending in secret, token, credential(s) or api key
// makes a random-looking value a "generic_secret" and any other literal a
// "password"; a name ending in another key word (key, auth, authorization,
// bearer) needs a random-looking value. A 40-character value with "aws" in
// the name or before it is an "aws_secret_key"; a password inside an
// ADO-style connection string ("Server=…;Password=…") is a
// "connection_string". The finding covers the value only.

// keyKind says what a key's name makes of its value.
type keyKind uint8

const (
	kindNone   keyKind = iota
	kindPass           // password words: any literal is a password
	kindSecret         // secret, token, api key: random values are secrets, literals passwords
	kindKey            // key, auth: only random values are secrets
)

// maxValue bounds the length of an assignment's value.
const maxValue = 512

// assignment handles the operator at op.
func (s *state) assignment(op int) {
	t := s.text
	// The key's end first: most operators follow no secret-sounding key,
	// and the checks before the key's are cheap enough to come after.
	k := op
	if t[op] == '=' && k > 0 && t[k-1] == ':' {
		k--
	}
	for i := 0; i < 8 && k > 0 && (t[k-1] == ' ' || t[k-1] == '\t'); i++ {
		k--
	}
	quotedKey := false
	if k > 0 && (t[k-1] == '"' || t[k-1] == '\'' || t[k-1] == '`') {
		quotedKey = true
		k--
		if k > 0 && t[k-1] == '\\' {
			k--
		}
	}
	if !secretSuffix(t, k) || op < s.assignEnd {
		return
	}
	n := len(t)
	opEnd := op + 1
	if t[op] == '=' {
		if op+1 < n && t[op+1] == '=' {
			return
		}
		if op > 0 && strings.IndexByte("=!<>", t[op-1]) >= 0 {
			return
		}
		if op+1 < n && t[op+1] == '>' {
			opEnd++
		}
	} else {
		if op+1 < n && strings.IndexByte(":=/", t[op+1]) >= 0 {
			return // ::, := (the = handles it), ://
		}
		if op > 0 && t[op-1] == ':' {
			return
		}
	}
	ke := k
	for k > 0 && ke-k < 64 && is(t[k-1], cIdent) {
		k--
	}
	ks := k
	if t[op] == ':' && ks >= 2 && t[ks-2:ks] == "//" {
		return // user:password@ of a URL
	}
	if t[op] == ':' && ks > 0 && t[ks-1] == ':' {
		return // a field of a colon-separated list: name:password:uid
	}
	kind, aws := classifyKey(t, ks, ke)
	if kind == kindNone {
		return
	}
	if t[op] == ':' && !quotedKey && ke-ks == 4 && equalFoldASCII(t[ks:ke], "pass") {
		return // test output: "--- PASS: TestLogin"
	}
	strong := t[op] == '=' || quotedKey || lineStart(t, ks)
	// "x := y" and "x = y" with spaces are code, where an unquoted word is
	// a variable; environment files write KEY=value.
	code := t[op] == '=' && op > 0 && (t[op-1] == ':' || t[op-1] == ' ' || (opEnd < len(t) && t[opEnd] == ' '))
	s.value(opEnd, ks, ke, kind, aws, strong, t[op] == ':' || code, false)
}

// flag handles "--name value" command-line options; "--name=value" is left
// to the = operator.
func (s *state) flag(st int) {
	t := s.text
	if st > 0 && (t[st-1] == '-' || is(t[st-1], cIdent)) {
		return
	}
	if st+2 >= len(t) || !isLetter(t[st+2]) {
		return
	}
	ke := runEnd(t, st+2, cIdent, 48)
	if ke >= len(t) || t[ke] != ' ' || !secretSuffix(t, ke) {
		return
	}
	kind, aws := classifyKey(t, st+2, ke)
	if kind == kindNone {
		return
	}
	s.value(ke, st+2, ke, kind, aws, true, false, true)
}

// value reads the value that follows an operator ending at v and reports
// it. The key is t[ks:ke]. colon is set for ":" and for code-style
// assignments, after which an unquoted word is more often code or prose
// than a password.
func (s *state) value(v, ks, ke int, kind keyKind, aws, strong, colon, isFlag bool) {
	t := s.text
	n := len(t)
	for i := 0; i < 16 && v < n && (t[v] == ' ' || t[v] == '\t'); i++ {
		v++
	}
	if v >= n {
		return
	}
	vs, ve, quoted := s.readValue(v)
	if ve < 0 || ve-vs > maxValue {
		return
	}
	if isFlag && t[vs] == '-' {
		return // the next option, not a value
	}
	// An HTTP authorization scheme: the credential is what follows it.
	scheme := ""
	if kind != kindPass {
		for _, sc := range []string{"bearer", "token", "basic"} {
			if ve-vs > len(sc) && equalFoldASCII(t[vs:vs+len(sc)], sc) && t[vs+len(sc)] == ' ' && quoted {
				scheme, vs = sc, vs+len(sc)+1
			} else if ve-vs == len(sc) && equalFoldASCII(t[vs:ve], sc) && !quoted && ve < n && t[ve] == ' ' {
				w := ve + 1
				for w < n && t[w] == ' ' {
					w++
				}
				if w < n && is(t[w], cValue) {
					scheme, vs, ve = sc, w, s.valueRun(w)
				}
			}
			if scheme != "" {
				break
			}
		}
		for vs < ve && t[vs] == ' ' {
			vs++
		}
	}
	if !quoted && ve < n && (t[ve] == '(' || t[ve] == '[') {
		return // a call or a type: password = input(…), password: Optional[str]
	}
	val := t[vs:ve]
	key := t[ks:ke]
	if val == "" {
		return
	}
	if !quoted && only(val, cIdent) && namesSecret(val) {
		return // another variable: password = new_password
	}
	if quoted && (val == "" || val[0] == ' ' || val[len(val)-1] == ' ' ||
		((wordy(val) || strings.ContainsRune(val, ' ')) && namesSecret(val))) {
		return // prose between quotes, or a name: "bad_password", "top secret"
	}
	if kind == kindPass && (val[0] == '/' || strings.HasPrefix(val, "~/")) {
		return // a path: PWD=/home/app
	}
	if aws && kind != kindPass && len(val) == 40 && only(val, cBase64) && charClasses(val) >= 3 {
		conf := 0.8
		if exampleLike(val) {
			conf = confExample
		}
		s.report(ruleAWSSecretKey, vs, ve, conf)
		return
	}
	if placeholder(val, key) || (quoted && !utf8.ValidString(val)) ||
		(!quoted && codeReference(val) && !(kind == kindPass && adoContext(t, ks))) {
		return
	}
	if colon && !quoted && strong && proseAfter(t, ve) {
		strong = false
	}
	if scheme == "basic" {
		if basicCredentials(val) {
			s.report(rulePassword, vs, ve, 0.8)
		}
		return
	}
	switch kind {
	case kindPass:
		conf := passwordConf(val, strong)
		if colon && !quoted && charClasses(val) < 2 && len(val) < 10 {
			conf = 0 // password: link, pwd: dir: a word, likely code or prose
		}
		if conf == 0 {
			return
		}
		if adoContext(t, ks) {
			s.report(ruleConnectionString, vs, ve, max(conf, 0.8))
			return
		}
		s.report(rulePassword, vs, ve, conf)
	case kindSecret, kindKey:
		if conf := randomness(val); conf > 0 {
			s.report(ruleGenericSecret, vs, ve, conf)
			return
		}
		if kind == kindSecret && strong && scheme == "" && !strings.ContainsRune(val, ' ') &&
			!wordy(val) && !uuidShape(val) && !namesSecret(val) {
			if conf := passwordConf(val, true); conf >= 0.7 {
				s.report(rulePassword, vs, ve, 0.5)
			}
		}
	}
}

// namesSecret reports whether an identifier-like value mentions a secret
// word, as variable names do and literal secrets rarely do.
func namesSecret(v string) bool {
	for _, w := range []string{"pass", "pwd", "secret", "token", "key", "cred", "auth"} {
		if containsFold(v, w) {
			return true
		}
	}
	return false
}

// report emits an assignment's value and skips the operators inside it.
func (s *state) report(r ruleID, vs, ve int, conf float64) {
	s.assignEnd = ve
	s.emit(r, vs, ve, conf)
}

// readValue reads a quoted or unquoted value starting at v. It returns the
// value's bounds, without quotes, or ve < 0 if there is none.
func (s *state) readValue(v int) (vs, ve int, quoted bool) {
	t := s.text
	q := t[v]
	escaped := false
	if q == '\\' && v+1 < len(t) && t[v+1] == '"' {
		escaped, q = true, '"'
		v++
	}
	if q != '"' && q != '\'' && q != '`' {
		if !is(q, cValue) {
			return v, -1, false
		}
		return v, s.valueRun(v), false
	}
	vs = v + 1
	limit := min(len(t), vs+maxValue+1)
	for i := vs; i < limit; i++ {
		switch c := t[i]; {
		case c == '\n' || c == '\r':
			return vs, -1, true
		case c != q:
		case escaped:
			if t[i-1] == '\\' {
				return vs, i - 1, true
			}
		case t[i-1] == '\\' && i-1 >= vs:
			// An escaped quote inside the value.
		default:
			return vs, i, true
		}
	}
	return vs, -1, true
}

// valueRun returns the end of the unquoted value starting at v. Values
// that begin inside the last run end where it ends, so a run full of
// operators is scanned once.
func (s *state) valueRun(v int) int {
	if v >= s.runFrom && v < s.runTo {
		return s.runTo
	}
	e := v
	for e < len(s.text) && is(s.text[e], cValue) {
		e++
	}
	s.runFrom, s.runTo = v, e
	return e
}

// secretSuffixes are the last three letters of the words that make a key
// secret-sounding, for secretSuffix.
var secretSuffixes = [...]string{
	"ord", // password
	"swd", // passwd
	"pwd", // pwd
	"ass", // pass
	"ase", // passphrase
	"ode", // passcode
	"psk", // psk
	"ret", // secret
	"ken", // token
	"key", // key
	"uth", // auth
	"ion", // authorization
	"ial", // credential
	"als", // credentials
	"eds", // creds
	"rer", // bearer
}

// suffixSlot hashes three bytes, packed as by secretSuffix, to a slot of
// suffixTable; the multiplier keeps secretSuffixes apart.
func suffixSlot(x uint32) uint32 { return x * 0x1a1afe87 >> 27 }

// suffixTable holds each of secretSuffixes, packed, at its slot.
var suffixTable = func() (tab [32]uint32) {
	for _, s := range secretSuffixes {
		x := uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
		if tab[suffixSlot(x)] != 0 {
			panic("secrets: two secretSuffixes share a slot")
		}
		tab[suffixSlot(x)] = x
	}
	return tab
}()

// secretSuffix is the operators' fast filter: it reports whether the key
// ending at end (ignoring up to four trailing digits) ends in the last
// three letters of a keyword.
func secretSuffix(t string, end int) bool {
	if end >= 7 {
		// The trailing digits without a branch whose outcome the
		// processor could not predict: d1 is 1 if the last byte is a
		// digit, d2 if the last two are, and so on.
		w := t[end-7 : end]
		d1 := digit01(w[6])
		d2 := d1 & digit01(w[5])
		d3 := d2 & digit01(w[4])
		d4 := d3 & digit01(w[3])
		end -= int(d1 + d2 + d3 + d4)
	} else {
		for i := 0; i < 4 && end > 0 && isDigit(t[end-1]); i++ {
			end--
		}
		if end < 3 {
			return false
		}
	}
	// Setting bit 5 folds an upper-case ASCII letter to lower case and
	// turns no other byte into a lower-case letter.
	x := uint32(t[end-3])<<16 | uint32(t[end-2])<<8 | uint32(t[end-1]) | 0x202020
	return suffixTable[suffixSlot(x)] == x
}

// digit01 returns 1 for an ASCII digit and 0 for any other byte.
func digit01(b byte) uint { return uint(class[b]&cDigit) / cDigit }

// assignPrev lists the bytes that can come just before an operator whose
// key secretSuffix accepts: the last letter of a secretSuffixes entry in
// either case, a digit, a closing quote, a space or tab, and the colon of
// ":=". The pre-filter passes over operators after any other byte.
var assignPrev = func() string {
	b := []byte(" \t\"'`:0123456789")
	for _, s := range secretSuffixes {
		c := s[len(s)-1]
		if !strings.ContainsRune(string(b), rune(c)) {
			b = append(b, c, c-'a'+'A')
		}
	}
	return string(b)
}()

// keyExclusions are words before "key" that make it a non-secret key.
var keyExclusions = []string{
	"public", "pub", "publishable", "primary", "foreign", "sort", "partition",
	"cache", "idempotency", "hot", "shortcut", "hash", "row", "map", "lookup",
	"unique", "composite", "group", "routing", "dedup", "dedupe", "object",
	"translation", "i18n", "sorting", "index", "range", "cluster", "shard",
	"music", "piano", "keyboard",
}

// keyStrengtheners are words before "key" that make it a secret.
var keyStrengtheners = []string{
	"api", "secret", "access", "private", "client", "master", "signing",
	"encryption", "license", "account", "service", "subscription", "app",
}

// classifyKey says what the key t[ks:ke] makes of its value, and whether
// the key or the words before it on its line mention AWS.
func classifyKey(t string, ks, ke int) (keyKind, bool) {
	key := t[ks:ke]
	seg, rest := lastSegment(key)
	rest = strings.TrimRight(rest, "_-.")
	var prev string
	if rest != "" {
		prev, _ = lastSegment(rest)
	} else if ks > 0 && t[ks-1] == ' ' {
		// A phrase: "API key: …", "public key = …".
		b := strings.TrimRight(t[max(0, ks-24):ks], " ")
		prev, _ = lastSegment(b)
	}
	before := t[max(0, ks-48):ks]
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	aws := containsFold(key, "aws") || containsFold(before, "aws") ||
		(containsFold(key, "secret") && containsFold(key, "access"))
	anyOf := func(s string, words []string) bool {
		for _, w := range words {
			if len(s) == len(w) && equalFoldASCII(s, w) {
				return true
			}
		}
		return false
	}
	switch {
	case hasSuffixFold(seg, "password"), hasSuffixFold(seg, "passwd"),
		hasSuffixFold(seg, "passphrase"), anyOf(seg, []string{"pwd", "pass", "passcode", "psk"}):
		return kindPass, aws
	case hasSuffixFold(seg, "secret"), hasSuffixFold(seg, "token"),
		hasSuffixFold(seg, "credential"), hasSuffixFold(seg, "credentials"),
		anyOf(seg, []string{"creds", "apikey"}):
		return kindSecret, aws
	case hasSuffixFold(seg, "key"):
		if anyOf(prev, keyExclusions) || anyOf(seg, []string{"monkey", "turkey", "donkey",
			"hockey", "jockey", "whiskey", "hotkey", "publickey", "primarykey", "pubkey"}) {
			return kindNone, aws
		}
		if anyOf(prev, keyStrengtheners) {
			return kindSecret, aws
		}
		return kindKey, aws
	case anyOf(seg, []string{"auth", "oauth", "authorization", "bearer"}):
		return kindKey, aws
	}
	return kindNone, aws
}

// lastSegment splits an identifier before its last word: "db_password" →
// "password", "apiKey" → "Key", "APIKEY" → "APIKEY". Up to four trailing
// digits are dropped.
func lastSegment(k string) (seg, rest string) {
	end := len(k)
	for i := 0; i < 4 && end > 0 && isDigit(k[end-1]); i++ {
		end--
	}
	j := end
	for j > 0 && is(k[j-1], cLower) {
		j--
	}
	if j > 0 && is(k[j-1], cUpper) {
		if j == end {
			for j > 0 && is(k[j-1], cUpper) {
				j--
			}
		} else {
			j--
		}
	}
	return k[j:end], k[:j]
}

// lineStart reports whether only indentation, a list marker or an opening
// bracket precedes the key at ks on its line, as in YAML or a header block.
func lineStart(t string, ks int) bool {
	i := ks
	for n := 0; i > 0 && n < 32; n++ {
		switch t[i-1] {
		case ' ', '\t', '-', '*':
			i--
			continue
		case '\n', '\r', '{', ',', ';', '(':
			return true
		}
		return false
	}
	return i == 0
}

// proseAfter reports whether more words follow the value ending at ve on
// its line ("Password: reset it here"), which marks a sentence rather than
// a setting.
func proseAfter(t string, ve int) bool {
	if ve >= len(t) || t[ve] != ' ' {
		return false
	}
	for ve < len(t) && t[ve] == ' ' {
		ve++
	}
	return ve < len(t) && isLetter(t[ve])
}

// passwordConf returns the confidence that val, assigned to a password
// name, is a real password, or 0. Outside a setting (strong false) only
// values mixing character classes count.
func passwordConf(val string, strong bool) float64 {
	n, cl := len(val), charClasses(val)
	if !strong {
		if n < 6 || cl < 2 || strings.ContainsRune(val, ' ') {
			return 0
		}
		return 0.5
	}
	switch {
	case n < 4:
		return 0
	case n >= 10 && cl >= 3:
		return 0.8
	case n >= 8 && cl >= 2:
		return 0.7
	}
	return 0.6
}

// adoContext reports whether the key at ks is part of an ADO.NET / ODBC
// style connection string: semicolon-separated settings naming a server,
// database or user earlier on the same line.
func adoContext(t string, ks int) bool {
	seg := t[max(0, ks-300):ks]
	if i := strings.LastIndexByte(seg, '\n'); i >= 0 {
		seg = seg[i+1:]
	}
	if !strings.Contains(seg, ";") {
		return false
	}
	for _, w := range []string{"server=", "data source=", "host=", "database=",
		"initial catalog=", "uid=", "user id=", "userid=", "username=", "user="} {
		if containsFold(seg, w) {
			return true
		}
	}
	return false
}

// basicCredentials reports whether val is HTTP Basic credentials: base64
// of "user:password".
func basicCredentials(val string) bool {
	if len(val) < 8 || len(val) > 256 {
		return false
	}
	var buf [192]byte
	n, err := base64.StdEncoding.Decode(buf[:], []byte(val))
	if err != nil {
		return false
	}
	dec := buf[:n]
	i := strings.IndexByte(string(dec), ':')
	return i > 0 && i < n-1 && utf8.Valid(dec)
}
