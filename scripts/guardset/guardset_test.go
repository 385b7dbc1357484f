package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the committed cases file")

const casesPath = "../../testdata/guard/cases.jsonl"

// Ensure the committed file is exactly what the generator writes.
func TestCommittedFileIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := writeCases(&buf, generate()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(casesPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(casesPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s is stale: run `go run ./scripts/guardset > testdata/guard/cases.jsonl` (or go test -update)", casesPath)
	}
	var again bytes.Buffer
	if err := writeCases(&again, generate()); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatal("two runs of the generator differ")
	}
}

// loadCases reads the committed file strictly.
func loadCases(t *testing.T) []Case {
	t.Helper()
	f, err := os.Open(casesPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var c Case
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if !strings.Contains(sc.Text(), `"spans":`) || !strings.Contains(sc.Text(), `"injection":`) {
			t.Fatalf("line %d: spans and injection must always be present", line)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var idRE = regexp.MustCompile(`^(pii|sec|inj|neg)-\d{4}$`)

// Ensure every case is well formed and every span is exact: in bounds,
// on rune boundaries, sorted, not overlapping, of a known type, and
// without surrounding white space.
func TestSpansAreExact(t *testing.T) {
	known := map[string]bool{}
	for _, ty := range append(append([]string{}, piiTypes...), secretTypes...) {
		known[ty] = true
	}
	ids := map[string]bool{}
	for _, c := range loadCases(t) {
		if !idRE.MatchString(c.ID) || ids[c.ID] {
			t.Errorf("bad or duplicate id %q", c.ID)
		}
		ids[c.ID] = true
		if !utf8.ValidString(c.Text) || c.Text == "" {
			t.Errorf("%s: text empty or not UTF-8", c.ID)
		}
		prevEnd := 0
		for _, s := range c.Spans {
			if !known[s.Type] {
				t.Errorf("%s: unknown type %q", c.ID, s.Type)
			}
			if s.Start < prevEnd || s.Start >= s.End || s.End > len(c.Text) {
				t.Errorf("%s: span %+v out of order or bounds", c.ID, s)
				continue
			}
			prevEnd = s.End
			if !utf8.RuneStart(c.Text[s.Start]) || (s.End < len(c.Text) && !utf8.RuneStart(c.Text[s.End])) {
				t.Errorf("%s: span %+v cuts a rune", c.ID, s)
			}
			v := c.Text[s.Start:s.End]
			if strings.TrimSpace(v) != v {
				t.Errorf("%s: span %+v has surrounding space: %q", c.ID, s, v)
			}
		}
	}
}

var (
	awsRE    = regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)
	slackRE  = regexp.MustCompile(`^(xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}|xoxp-\d{10,13}-\d{10,13}-\d{10,13}-[a-f0-9]{32}|xapp-1-A[A-Z0-9]{10}-\d{13}-[a-f0-9]{64})$`)
	stripeRE = regexp.MustCompile(`^(sk|rk)_(live|test)_[A-Za-z0-9]{24,99}$`)
	openaiRE = regexp.MustCompile(`^sk-(proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}$`)
	pemRE    = regexp.MustCompile(`^-----BEGIN ([A-Z ]*PRIVATE KEY)-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END ([A-Z ]*PRIVATE KEY)-----$`)
	emailRE  = regexp.MustCompile(`^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	ipv4RE   = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$`)
)

// Ensure every labelled value is valid by the real rules of its type.
func TestLabelledValuesAreValid(t *testing.T) {
	for _, c := range loadCases(t) {
		for _, s := range c.Spans {
			v := c.Text[s.Start:s.End]
			ok := true
			switch s.Type {
			case "credit_card":
				ok = validCard(v)
			case "iban":
				ok = validIBAN(v)
			case "us_ssn":
				ok = validSSN(v)
			case "uk_nino":
				ok = validNINO(v)
			case "github_token":
				ok = validGitHubToken(v)
			case "jwt":
				ok = validJWT(v)
			case "aws_access_key":
				ok = awsRE.MatchString(v)
			case "slack_token":
				ok = slackRE.MatchString(v)
			case "stripe_key":
				ok = stripeRE.MatchString(v)
			case "openai_api_key":
				ok = openaiRE.MatchString(v)
			case "private_key":
				m := pemRE.FindStringSubmatch(v)
				ok = m != nil && m[1] == m[3]
			case "email":
				ok = emailRE.MatchString(v)
			case "ip_address":
				if m := ipv4RE.FindStringSubmatch(v); m != nil {
					for _, o := range m[1:] {
						n, err := strconv.Atoi(o)
						ok = ok && err == nil && n <= 255
					}
				} else {
					ok = strings.Count(v, ":") >= 2 && strings.Trim(v, "0123456789abcdef:") == ""
				}
			case "phone":
				ok = phoneKind(v) != ""
			}
			if !ok {
				t.Errorf("%s: invalid %s %q", c.ID, s.Type, v)
			}
		}
	}
}

// Ensure each country's BBAN format gives the registered IBAN length.
func TestIBANFormats(t *testing.T) {
	for _, f := range ibanFormats {
		if got, want := len(f.bban)+4, ibanLengths[f.country]; got != want {
			t.Errorf("%s: format gives %d characters, registry says %d", f.country, got, want)
		}
	}
}

// Ensure the validators used above can fail: known-bad values are refused.
func TestValidatorsRefuse(t *testing.T) {
	for _, v := range []string{"4111 1111 1111 1112", "1234 5678 9012 3452", "0000 0000 0000 0000"} {
		if validCard(v) {
			t.Errorf("validCard(%q)", v)
		}
	}
	if !validCard("4111 1111 1111 1111") || !validCard("3782 822463 10005") {
		t.Error("validCard refuses known test numbers")
	}
	if !validIBAN("DE89 3704 0044 0532 0130 00") || !validIBAN("GB82WEST12345698765432") || validIBAN("GB82WEST12345698765433") || validIBAN("XX82WEST12345698765432") {
		t.Error("validIBAN disagrees with known values")
	}
	for _, v := range []string{"000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"} {
		if validSSN(v) {
			t.Errorf("validSSN(%q)", v)
		}
	}
	for _, v := range []string{"QQ123456C", "BG123456A", "AB123456E", "DA123456A", "AO123456B"} {
		if validNINO(v) {
			t.Errorf("validNINO(%q)", v)
		}
	}
	if validGitHubToken("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") {
		t.Error("validGitHubToken accepts a placeholder")
	}
}

// Ensure every look-alike in the hard negatives fails its type's
// validation, and hard negatives are labelled as such.
func TestDecoysAreInvalid(t *testing.T) {
	n := 0
	for _, c := range generate() {
		for _, d := range c.decoys {
			v := c.Text[d.Start:d.End]
			n++
			var valid bool
			switch d.Type {
			case "credit_card":
				valid = validCard(v)
			case "iban":
				valid = validIBAN(v)
			case "us_ssn":
				valid = validSSN(v)
			case "uk_nino":
				valid = validNINO(v)
			case "github_token":
				valid = validGitHubToken(v)
			default:
				t.Errorf("%s: no validator for decoy type %s", c.ID, d.Type)
			}
			if valid {
				t.Errorf("%s: look-alike %s %q is valid", c.ID, d.Type, v)
			}
		}
		if strings.HasPrefix(c.ID, "neg-") {
			if len(c.Spans) != 0 || c.Injection || !strings.HasPrefix(c.Note, "hard negative: ") {
				t.Errorf("%s: a hard negative must have no spans, no injection and a note", c.ID)
			}
		} else if len(c.decoys) != 0 {
			t.Errorf("%s: look-alikes outside the hard negatives", c.ID)
		}
	}
	if n < 80 {
		t.Errorf("only %d checked look-alikes", n)
	}
}

// phoneKind classifies a phone number's format; "" means not a phone.
func phoneKind(v string) string {
	for _, k := range []struct {
		kind string
		re   *regexp.Regexp
	}{
		{"e164", regexp.MustCompile(`^\+(1 ?\d{3} ?555 ?01\d\d|44 ?(20 ?7946 ?0\d{3}|7700 ?900\d{3})|49 ?(30 ?\d{6,8}|1[567]\d ?\d{8})|33 ?[16] ?(99 ?00|39 ?98) ?\d\d ?\d\d)$`)},
		{"us", regexp.MustCompile(`^(\(\d{3}\) |\d{3}[-.])555[-.]01\d\d$`)},
		{"uk", regexp.MustCompile(`^(020 7946 0\d{3}|07700 900\d{3}|0161 496 0\d{3})$`)},
		{"de", regexp.MustCompile(`^(030 \d{6,8}|01[567]\d \d{8})$`)},
		{"fr", regexp.MustCompile(`^0[16] (99 00|39 98) \d\d \d\d$`)},
	} {
		if k.re.MatchString(v) {
			return k.kind
		}
	}
	return ""
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

// Ensure the set has the composition its README promises.
func TestComposition(t *testing.T) {
	cases := generate()
	if len(cases) < 600 {
		t.Errorf("%d cases, want >= 600", len(cases))
	}
	isPII := map[string]bool{}
	for _, ty := range piiTypes {
		isPII[ty] = true
	}
	perType := map[string]int{}
	var piiCases, secretCases, injections, nonEnglish, negatives int
	issuers, countries, ibanStyles, phoneKinds := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	hidden := map[string]int{}
	frames := map[string]bool{}
	negNotes := ""
	for _, c := range cases {
		seen := map[string]bool{}
		hasPII, hasSecret := false, false
		for _, s := range c.Spans {
			v := c.Text[s.Start:s.End]
			if !seen[s.Type] {
				perType[s.Type]++
				seen[s.Type] = true
			}
			if isPII[s.Type] {
				hasPII = true
			} else {
				hasSecret = true
			}
			switch s.Type {
			case "credit_card":
				issuers[issuerOf(v)] = true
			case "iban":
				countries[v[:2]] = true
				ibanStyles[map[bool]string{true: "grouped", false: "compact"}[strings.Contains(v, " ")]] = true
			case "phone":
				phoneKinds[phoneKind(v)] = true
			}
		}
		if hasPII && !c.Injection {
			piiCases++
		}
		if hasSecret {
			secretCases++
		}
		if c.frame != "" {
			frames[c.frame] = true
		}
		if c.Injection {
			injections++
			for _, tag := range c.tags {
				if strings.HasPrefix(tag, "lang:") && tag != "lang:en" {
					nonEnglish++
				}
			}
			for _, r := range c.Text {
				switch {
				case r >= 0xE0000 && r <= 0xE007F:
					hidden["tags"]++
				case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
					hidden["zero-width"]++
				}
			}
			for _, w := range strings.Fields(c.Text) {
				if strings.IndexFunc(w, isCyrillic) >= 0 && strings.IndexFunc(w, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) >= 0 {
					hidden["homoglyph words"]++
				}
			}
			if strings.HasPrefix(c.Note, "hidden: base64") {
				hidden["base64"]++
			}
		}
		if strings.HasPrefix(c.ID, "neg-") {
			negatives++
			negNotes += c.Note + "\n"
		}
	}
	atLeast := func(what string, got, want int) {
		t.Helper()
		if got < want {
			t.Errorf("%s: %d, want >= %d", what, got, want)
		}
	}
	atLeast("PII cases", piiCases, 260)
	for _, ty := range []string{"credit_card", "iban", "us_ssn", "email", "phone"} {
		atLeast(ty+" cases", perType[ty], 40)
	}
	for _, ty := range piiTypes {
		atLeast(ty+" cases", perType[ty], 15)
	}
	atLeast("card issuers", len(issuers), 5)
	atLeast("IBAN countries", len(countries), 10)
	atLeast("IBAN styles", len(ibanStyles), 2)
	for _, k := range []string{"e164", "us", "uk", "de", "fr"} {
		if !phoneKinds[k] {
			t.Errorf("no phone in %s format", k)
		}
	}
	atLeast("secret cases", secretCases, 60)
	for _, ty := range secretTypes {
		atLeast(ty+" cases", perType[ty], 5)
	}
	atLeast("injection cases", injections, 100)
	atLeast("non-English injection cases", nonEnglish, 20)
	for _, k := range []string{"tags", "zero-width", "homoglyph words", "base64"} {
		atLeast("hidden text: "+k, hidden[k], 2)
	}
	atLeast("hard negatives", negatives, 200)
	for _, kind := range []string{"fails Luhn", "without a card prefix", "ticket id", "employee id", "ISBN", "version number",
		"date", "amount", "area 000", "area 666", "area 9xx", "bad check digit", "benign: ignore", "benign: system prompt",
		"benign: instructions", "benign: developer mode", "benign: pretend", "benign: act as", "benign: forget",
		"placeholder password", "truncated OpenAI key", "UUID", "commit hash"} {
		if !strings.Contains(negNotes, kind) {
			t.Errorf("no hard negative of kind %q", kind)
		}
	}
	atLeast("distinct sentence frames", len(frames), 150)
}

func issuerOf(v string) string {
	num := strings.NewReplacer(" ", "", "-", "").Replace(v)
	for _, is := range cardIssuers {
		for _, p := range is.prefixes {
			if strings.HasPrefix(num, p) && len(num) == is.length {
				return is.name
			}
		}
	}
	return "other"
}
