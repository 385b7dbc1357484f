package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// gen draws synthetic values from a seeded generator, so the set is the
// same on every run.
type gen struct {
	r *rand.Rand
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))} }

func (g *gen) intn(n int) int          { return g.r.IntN(n) }
func (g *gen) between(lo, hi int) int  { return lo + g.r.IntN(hi-lo+1) }
func pick[T any](g *gen, xs []T) T     { return xs[g.r.IntN(len(xs))] }
func (g *gen) digits(n int) string     { return g.chars(n, "0123456789") }
func (g *gen) upper(n int) string      { return g.chars(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") }
func (g *gen) alnumUpper(n int) string { return g.chars(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") }
func (g *gen) hex(n int) string        { return g.chars(n, "0123456789abcdef") }
func (g *gen) base62(n int) string     { return g.chars(n, base62Alphabet) }
func (g *gen) base64url(n int) string  { return g.chars(n, base62Alphabet+"-_") }
func (g *gen) base64std(n int) string  { return g.chars(n, base62Alphabet+"+/") }
func (g *gen) chars(n int, set string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ---- payment cards ----

// cardIssuer is a card brand: prefixes that identify it and its length.
type cardIssuer struct {
	name     string
	prefixes []string
	length   int
	groups   []int // print grouping
}

var cardIssuers = []cardIssuer{
	{"visa", []string{"4"}, 16, []int{4, 4, 4, 4}},
	{"mastercard", []string{"51", "52", "53", "54", "55", "2221", "2300", "2510", "2720"}, 16, []int{4, 4, 4, 4}},
	{"amex", []string{"34", "37"}, 15, []int{4, 6, 5}},
	{"discover", []string{"6011", "644", "649", "65"}, 16, []int{4, 4, 4, 4}},
	{"jcb", []string{"3528", "3540", "3589"}, 16, []int{4, 4, 4, 4}},
	{"diners", []string{"36", "38", "300", "305"}, 14, []int{4, 6, 4}},
	{"unionpay", []string{"62"}, 16, []int{4, 4, 4, 4}},
}

func issuerByName(name string) cardIssuer {
	for _, c := range cardIssuers {
		if c.name == name {
			return c
		}
	}
	panic("unknown issuer " + name)
}

// luhnDigit returns the check digit that makes payload+digit pass Luhn.
func luhnDigit(payload string) byte {
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if (len(payload)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func luhnValid(num string) bool {
	return len(num) > 1 && luhnDigit(num[:len(num)-1]) == num[len(num)-1]
}

// card returns a Luhn-valid number of the issuer in the given style:
// "spaces", "dashes" or "plain".
func (g *gen) card(is cardIssuer, style string) string {
	p := pick(g, is.prefixes)
	body := p + g.digits(is.length-1-len(p))
	return groupDigits(body+string(luhnDigit(body)), is.groups, style)
}

func groupDigits(num string, groups []int, style string) string {
	sep := map[string]string{"spaces": " ", "dashes": "-", "plain": ""}[style]
	var parts []string
	i := 0
	for _, n := range groups {
		parts = append(parts, num[i:i+n])
		i += n
	}
	return strings.Join(parts, sep)
}

// cardDecoyBadLuhn has an issuer prefix and length but fails Luhn.
func (g *gen) cardDecoyBadLuhn(style string) string {
	is := pick(g, []cardIssuer{cardIssuers[0], cardIssuers[1], cardIssuers[3]})
	p := pick(g, is.prefixes)
	body := p + g.digits(is.length-1-len(p))
	good := luhnDigit(body)
	bad := byte('0' + (int(good-'0')+1+g.intn(9))%10)
	return groupDigits(body+string(bad), is.groups, style)
}

// cardDecoyNoIssuer passes Luhn but starts with a digit no card network
// uses (0, 1, 7, 8, 9).
func (g *gen) cardDecoyNoIssuer(style string) string {
	body := pick(g, []string{"0", "1", "7", "8", "9"}) + g.digits(14)
	return groupDigits(body+string(luhnDigit(body)), []int{4, 4, 4, 4}, style)
}

// validCard reports whether s (digits with optional spaces or dashes) is a
// payment card number: a known network's prefix and length, and Luhn.
func validCard(s string) bool {
	num := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(num) < 12 || len(num) > 19 || strings.Trim(num, "0123456789") != "" {
		return false
	}
	return luhnValid(num) && knownIssuer(num)
}

func knownIssuer(num string) bool {
	n := len(num)
	p := func(k int) int { v, _ := strconv.Atoi(num[:k]); return v }
	switch {
	case num[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return n == 16
	case p(4) >= 2200 && p(4) <= 2204: // Mir
		return n >= 16 && n <= 19
	case p(2) == 34 || p(2) == 37:
		return n == 15
	case p(4) == 6011, p(3) >= 644 && p(3) <= 649, p(2) == 65, p(2) == 62:
		return n >= 16 && n <= 19
	case p(4) >= 3528 && p(4) <= 3589:
		return n >= 16 && n <= 19
	case p(3) >= 300 && p(3) <= 305, p(2) == 36, p(2) == 38, p(2) == 39:
		return n >= 14 && n <= 19
	case p(2) == 50, p(2) >= 56 && p(2) <= 69: // Maestro
		return n >= 12 && n <= 19
	}
	return false
}

// ---- IBAN ----

// ibanFormat describes a country's BBAN: 'n' digit, 'a' upper-case
// letter, 'c' letter or digit.
type ibanFormat struct {
	country string
	bban    string
}

var ibanFormats = []ibanFormat{
	{"DE", "nnnnnnnnnnnnnnnnnn"},       // bank code 8, account 10
	{"GB", "aaaannnnnnnnnnnnnn"},       // bank 4, sort code 6, account 8
	{"FR", "nnnnnnnnnncccccccccccnn"},  // bank 5, branch 5, account 11, RIB key 2
	{"ES", "nnnnnnnnnnnnnnnnnnnn"},     // bank 4, branch 4, check 2, account 10
	{"IT", "annnnnnnnnncccccccccccc"},  // CIN 1, ABI 5, CAB 5, account 12
	{"NL", "aaaannnnnnnnnn"},           // bank 4, account 10
	{"BE", "nnnnnnnnnnnn"},             // bank 3, account 7, check 2
	{"CH", "nnnnncccccccccccc"},        // bank 5, account 12
	{"AT", "nnnnnnnnnnnnnnnn"},         // bank 5, account 11
	{"PL", "nnnnnnnnnnnnnnnnnnnnnnnn"}, // bank 8, account 16
	{"SE", "nnnnnnnnnnnnnnnnnnnn"},     // bank 3, account 17
	{"IE", "aaaannnnnnnnnnnnnn"},       // bank 4, sort code 6, account 8
	{"PT", "nnnnnnnnnnnnnnnnnnnnn"},    // bank 4, branch 4, account 11, check 2
	{"NO", "nnnnnnnnnnn"},              // bank 4, account 6, check 1
	{"DK", "nnnnnnnnnnnnnn"},           // bank 4, account 10
	{"FI", "nnnnnnnnnnnnnn"},           // bank 6, account 7, check 1
	{"LU", "nnnccccccccccccc"},         // bank 3, account 13
}

// ibanLengths is the full IBAN length per country (ISO 13616 registry),
// including countries the generator does not use, for the validator.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
	"IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26,
}

func ibanFormatFor(country string) ibanFormat {
	for _, f := range ibanFormats {
		if f.country == country {
			return f
		}
	}
	panic("unknown IBAN country " + country)
}

// ibanMod97 computes the ISO 7064 mod-97 remainder of an IBAN (or of a
// country+"00"+BBAN, to derive check digits).
func ibanMod97(iban string) int {
	re := iban[4:] + iban[:4]
	rem := 0
	for i := 0; i < len(re); i++ {
		c := re[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
			rem = (rem*10 + v) % 97
			continue
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return -1
		}
		rem = (rem*100 + v) % 97
	}
	return rem
}

func (g *gen) bban(f ibanFormat) string {
	b := make([]byte, len(f.bban))
	for i := range b {
		switch f.bban[i] {
		case 'n':
			b[i] = byte('0' + g.intn(10))
		case 'a':
			b[i] = byte('A' + g.intn(26))
		default: // mostly digits, as real account numbers are
			if g.intn(5) == 0 {
				b[i] = byte('A' + g.intn(26))
			} else {
				b[i] = byte('0' + g.intn(10))
			}
		}
	}
	nationalCheck(f.country, b)
	return string(b)
}

// nationalCheck fixes the national check digits inside a BBAN for the
// countries where they are simple to compute, so the numbers also pass
// stricter validators.
func nationalCheck(country string, b []byte) {
	switch country {
	case "BE": // last two digits: first ten mod 97 (97 for 0)
		v, _ := strconv.ParseInt(string(b[:10]), 10, 64)
		c := v % 97
		if c == 0 {
			c = 97
		}
		copy(b[10:], fmt.Sprintf("%02d", c))
	case "NO": // mod 11 with weights 5 4 3 2 7 6 5 4 3 2
		w := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
		for {
			s := 0
			for i, x := range w {
				s += int(b[i]-'0') * x
			}
			c := 11 - s%11
			if c == 11 {
				c = 0
			}
			if c < 10 {
				b[10] = byte('0' + c)
				return
			}
			b[9] = byte('0' + (int(b[9]-'0')+1)%10)
		}
	case "FR": // RIB key over bank(5) branch(5) account(11, letters mapped)
		acc := make([]byte, 11)
		for i, c := range b[10:21] {
			if c >= 'A' && c <= 'Z' {
				c = "12345678912345678923456789"[c-'A']
			}
			acc[i] = c
		}
		n := new(big.Int)
		n.SetString(string(b[:5])+string(b[5:10])+string(acc)+"00", 10)
		key := 97 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
		copy(b[21:], fmt.Sprintf("%02d", key))
	case "FI": // Luhn over the 14 digits
		b[13] = luhnDigit(string(b[:13]))
	}
}

// iban returns a valid IBAN for the country, compact or printed in
// groups of four.
func (g *gen) iban(country string, spaced bool) string {
	f := ibanFormatFor(country)
	bban := g.bban(f)
	check := 98 - ibanMod97(country+"00"+bban)
	s := fmt.Sprintf("%s%02d%s", country, check, bban)
	if spaced {
		return groupFours(s)
	}
	return s
}

func groupFours(s string) string {
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:min(i+4, len(s))])
	}
	return strings.Join(parts, " ")
}

// ibanDecoy returns an IBAN-like string that fails validation: the check
// digits are wrong (kind 0) or the length is wrong for the country (1).
func (g *gen) ibanDecoy(country string, spaced bool, kind int) string {
	f := ibanFormatFor(country)
	bban := g.bban(f)
	check := 98 - ibanMod97(country+"00"+bban)
	if kind == 0 {
		check = (check-2+1+g.intn(96))%97 + 2
		if check == 98-ibanMod97(country+"00"+bban) {
			check = check%97 + 2
		}
	} else {
		bban = bban[:len(bban)-1]
	}
	s := fmt.Sprintf("%s%02d%s", country, check, bban)
	if spaced {
		return groupFours(s)
	}
	return s
}

// validIBAN reports whether s (with optional spaces) is an IBAN: a known
// country, its length, and mod-97 = 1.
func validIBAN(s string) bool {
	c := strings.ReplaceAll(s, " ", "")
	if len(c) < 5 {
		return false
	}
	n, ok := ibanLengths[c[:2]]
	return ok && len(c) == n && ibanMod97(c) == 1
}

// ---- national identifiers ----

// ssn returns a US SSN allowed by the SSA rules (area 001-899 but not
// 666, group 01-99, serial 0001-9999).
func (g *gen) ssn(sep string) string {
	area := g.between(1, 899)
	for area == 666 || area == 78 || area == 123 {
		area = g.between(1, 899)
	}
	return fmt.Sprintf("%03d%s%02d%s%04d", area, sep, g.between(1, 99), sep, g.between(1, 9999))
}

// ssnDecoy breaks one SSA rule: area 000, 666 or 9xx, group 00 or serial
// 0000.
func (g *gen) ssnDecoy(kind int) string {
	area, group, serial := g.between(1, 899), g.between(1, 99), g.between(1, 9999)
	if area == 666 {
		area = 665
	}
	switch kind % 5 {
	case 0:
		area = 0
	case 1:
		area = 666
	case 2:
		area = g.between(900, 999)
	case 3:
		group = 0
	case 4:
		serial = 0
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, group, serial)
}

func validSSN(s string) bool {
	d := strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(d) != 9 || strings.Trim(d, "0123456789") != "" {
		return false
	}
	area, _ := strconv.Atoi(d[:3])
	group, _ := strconv.Atoi(d[3:5])
	serial, _ := strconv.Atoi(d[5:])
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// nino returns a UK National Insurance number with a valid prefix.
func (g *gen) nino(spaced bool) string {
	var prefix string
	for {
		prefix = string([]byte{byte('A' + g.intn(26)), byte('A' + g.intn(26))})
		if validNINOPrefix(prefix) {
			break
		}
	}
	d := g.digits(6)
	suffix := string(byte('A' + g.intn(4)))
	if spaced {
		return fmt.Sprintf("%s %s %s %s %s", prefix, d[:2], d[2:4], d[4:], suffix)
	}
	return prefix + d + suffix
}

func validNINOPrefix(p string) bool {
	if len(p) != 2 || strings.ContainsRune("DFIQUV", rune(p[0])) || strings.ContainsRune("DFIOQUV", rune(p[1])) {
		return false
	}
	switch p {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

func validNINO(s string) bool {
	c := strings.ReplaceAll(s, " ", "")
	if len(c) != 9 || !validNINOPrefix(c[:2]) || strings.Trim(c[2:8], "0123456789") != "" {
		return false
	}
	return c[8] >= 'A' && c[8] <= 'D'
}

// ---- secrets ----

// githubToken returns a classic-format GitHub token: prefix, 30 random
// base62 characters and the base62 CRC32 of those 30, padded to 6.
func (g *gen) githubToken(prefix string) string {
	body := g.base62(30)
	return prefix + body + base62CRC(body)
}

func base62CRC(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = base62Alphabet[v%62]
		v /= 62
	}
	return string(out)
}

func validGitHubToken(s string) bool {
	for _, p := range []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"} {
		if strings.HasPrefix(s, p) && len(s) == 40 {
			return base62CRC(s[4:34]) == s[34:]
		}
	}
	return false
}

func (g *gen) awsKey() string {
	return pick(g, []string{"AKIA", "AKIA", "AKIA", "ASIA"}) + g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
}

func (g *gen) slackToken() string {
	switch g.intn(3) {
	case 0:
		return "xoxb-" + g.digits(12) + "-" + g.digits(13) + "-" + g.base62(24)
	case 1:
		return "xoxp-" + g.digits(12) + "-" + g.digits(12) + "-" + g.digits(13) + "-" + g.hex(32)
	default:
		return "xapp-1-A0" + g.alnumUpper(9) + "-" + g.digits(13) + "-" + g.hex(64)
	}
}

func (g *gen) stripeKey() string {
	p := pick(g, []string{"sk_live_", "sk_live_", "rk_live_", "sk_test_"})
	if g.intn(2) == 0 {
		return p + g.base62(24)
	}
	return p + "51" + g.base62(97)
}

func (g *gen) openAIKey() string {
	switch g.intn(3) {
	case 0:
		return "sk-" + g.base62(20) + "T3BlbkFJ" + g.base62(20)
	case 1:
		return "sk-proj-" + g.base64url(74) + "T3BlbkFJ" + g.base64url(74)
	default:
		return "sk-svcacct-" + g.base64url(74) + "T3BlbkFJ" + g.base64url(74)
	}
}

// privateKey returns a PEM block with random (not usable) key material.
func (g *gen) privateKey() string {
	kind := pick(g, []string{"RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"})
	lead := map[string]string{
		"RSA PRIVATE KEY":     "MIIEowIBAAKCAQEA",
		"OPENSSH PRIVATE KEY": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
		"EC PRIVATE KEY":      "MHcCAQEEI",
		"PRIVATE KEY":         "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
	}[kind]
	body := lead + g.base64std(64*g.between(4, 7)-len(lead)+g.between(8, 40))
	var lines []string
	for i := 0; i < len(body); i += 64 {
		lines = append(lines, body[i:min(i+64, len(body))])
	}
	if last := lines[len(lines)-1]; len(last) > 4 {
		lines[len(lines)-1] = last[:len(last)-len(last)%4]
	}
	return "-----BEGIN " + kind + "-----\n" + strings.Join(lines, "\n") + "\n-----END " + kind + "-----"
}

// jwt returns a token with a real header and payload and a random
// signature.
func (g *gen) jwt() string {
	alg := pick(g, []string{"HS256", "RS256"})
	head, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	iat := 1717000000 + g.intn(20000000)
	pay, _ := json.Marshal(map[string]any{
		"sub": "emp-" + g.digits(6), "iss": "https://login.hr.example.com", "aud": "hr-helpdesk",
		"roles": []string{pick(g, []string{"employee", "manager", "hr-admin"})}, "iat": iat, "exp": iat + 3600,
	})
	enc := base64.RawURLEncoding.EncodeToString
	sigLen := 43
	if alg == "RS256" {
		sigLen = 342
	}
	return enc(head) + "." + enc(pay) + "." + g.base64url(sigLen)
}

func validJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var head map[string]any
	if json.Unmarshal(h, &head) != nil || head["alg"] == nil {
		return false
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	return err == nil && json.Valid(p)
}

// password returns a plausible human-chosen password.
func (g *gen) password() string {
	words := []string{"Sunflower", "Harbour", "Maple", "Falcon", "Orbit", "Pebble", "Juniper", "Velvet", "Cobalt", "Thistle", "Lantern", "Meadow"}
	switch g.intn(3) {
	case 0:
		return pick(g, words) + pick(g, []string{"!", "#", "$", "%", "&", "*"}) + g.digits(g.between(2, 4)) + pick(g, words)[:3]
	case 1:
		return g.chars(g.between(12, 16), base62Alphabet+"!#$%&*+-=?@^_")
	default:
		return strings.ToLower(pick(g, words)) + "-" + strings.ToLower(pick(g, words)) + "-" + g.digits(2) + pick(g, []string{"!", "?", "#"})
	}
}

func (g *gen) genericSecret() string {
	switch g.intn(3) {
	case 0:
		return g.hex(40)
	case 1:
		return g.base62(32)
	default:
		return g.base64std(43) + "="
	}
}

func (g *gen) connectionString() string {
	pw := g.chars(g.between(14, 20), base62Alphabet+"-_.~")
	switch g.intn(5) {
	case 0:
		return "postgres://hr_app:" + pw + "@db-hr-prod.internal.example:5432/hr?sslmode=require"
	case 1:
		return "mongodb+srv://svc_payroll:" + pw + "@cluster0." + g.hex(5) + ".mongodb.net/payroll?retryWrites=true&w=majority"
	case 2:
		return "Server=tcp:hr-sql-" + g.digits(2) + ".database.windows.net,1433;Initial Catalog=hrdb;User ID=hradmin;Password=" + pw + ";Encrypt=True;"
	case 3:
		return "mysql://benefits_ro:" + pw + "@mysql-benefits.internal.example:3306/benefits"
	default:
		return "redis://default:" + pw + "@cache-hr.internal.example:6379/0"
	}
}
