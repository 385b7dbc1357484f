// Command guardset writes Palisade's labelled evaluation set for the
// content guard: HR-helpdesk prompts, agent answers and pasted documents,
// with every sensitive value's byte span, prompt-injection attacks, and
// hard negatives that look sensitive but are not.
//
//	go run ./scripts/guardset > testdata/guard/cases.jsonl
//	go run ./scripts/guardset -stats
//
// Values are synthetic and drawn from a fixed seed, so the output is the
// same on every run; guardset_test.go checks the committed file matches.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Span is one labelled sensitive value: byte offsets into Case.Text, End
// exclusive.
type Span struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Case is one line of the set.
type Case struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Spans     []Span `json:"spans"`
	Injection bool   `json:"injection"`
	Note      string `json:"note,omitempty"`

	decoys []Span   // look-alikes that must not be detected (not written)
	frame  string   // the template the case came from
	tags   []string // facts for the composition checks, e.g. "lang:de"
}

// PII and secret types, as the detectors name them.
var (
	piiTypes    = []string{"email", "phone", "credit_card", "iban", "us_ssn", "uk_nino", "ip_address", "date_of_birth", "address", "person", "health"}
	secretTypes = []string{"aws_access_key", "github_token", "slack_token", "stripe_key", "openai_api_key", "private_key", "jwt", "connection_string", "password", "generic_secret"}
)

const seed = 20250611

func main() {
	stats := flag.Bool("stats", false, "print counts instead of the cases")
	flag.Parse()
	cases := generate()
	if *stats {
		printStats(os.Stdout, cases)
		return
	}
	w := bufio.NewWriter(os.Stdout)
	if err := writeCases(w, cases); err != nil {
		fmt.Fprintln(os.Stderr, "guardset:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "guardset:", err)
		os.Exit(1)
	}
}

// writeCases writes one JSON object per line, without HTML escaping so
// the text stays readable.
func writeCases(w io.Writer, cases []Case) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, c := range cases {
		buf.Reset()
		if c.Spans == nil {
			c.Spans = []Span{}
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("encode %s: %w", c.ID, err)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s: %w", c.ID, err)
		}
	}
	return nil
}

// generate builds the whole set, in a fixed order.
func generate() []Case {
	f := newFiller(newGen(seed))
	var out []Case
	add := func(prefix string, cs []Case) {
		for i, c := range cs {
			c.ID = fmt.Sprintf("%s-%04d", prefix, i+1)
			out = append(out, c)
		}
	}
	add("pii", f.piiCases())
	add("sec", f.secretCases())
	add("inj", f.injectionCases())
	add("neg", f.negativeCases())
	return out
}

func printStats(w io.Writer, cases []Case) {
	byType := map[string]int{}
	groups := map[string]int{}
	frames := map[string]bool{}
	for _, c := range cases {
		groups[c.ID[:3]]++
		seen := map[string]bool{}
		for _, s := range c.Spans {
			if !seen[s.Type] {
				byType[s.Type]++
				seen[s.Type] = true
			}
		}
		if c.frame != "" {
			frames[c.frame] = true
		}
	}
	fmt.Fprintf(w, "cases %d (pii %d, sec %d, inj %d, neg %d), distinct frames %d\n",
		len(cases), groups["pii"], groups["sec"], groups["inj"], groups["neg"], len(frames))
	spans := map[string]int{}
	for _, c := range cases {
		for _, s := range c.Spans {
			spans[s.Type]++
		}
	}
	for _, t := range append(slices.Clone(piiTypes), secretTypes...) {
		fmt.Fprintf(w, "%-18s cases %3d spans %3d\n", t, byType[t], spans[t])
	}
	tags := map[string]int{}
	for _, c := range cases {
		for _, t := range c.tags {
			tags[t]++
		}
	}
	var keys []string
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "tag %-24s %d\n", k, tags[k])
	}
}

// filler renders templates. In a template, {{type}} is a generated value
// labelled with type, {{type:variant}} picks a variant (an issuer, a
// country, a format), {{type=literal}} labels a literal value, and
// {{!type:variant}} or {{!type=literal}} is a look-alike that is not
// labelled but must fail the type's validation.
type filler struct {
	g      *gen
	counts map[string]int // per type, to cycle through variants
	notes  []string       // variants used by the case being rendered
}

func newFiller(g *gen) *filler { return &filler{g: g, counts: map[string]int{}} }

func (f *filler) next(key string) int {
	n := f.counts[key]
	f.counts[key] = n + 1
	return n
}

// render fills a template and returns the case (without id).
func (f *filler) render(tmpl string) Case {
	var b strings.Builder
	c := Case{frame: tmpl}
	f.notes = f.notes[:0]
	rest := tmpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			panic("unclosed placeholder in " + tmpl)
		}
		b.WriteString(rest[:i])
		ph := rest[i+2 : i+j]
		rest = rest[i+j+2:]
		decoy := strings.HasPrefix(ph, "!")
		ph = strings.TrimPrefix(ph, "!")
		typ, literal, isLit := strings.Cut(ph, "=")
		typ, variant, _ := strings.Cut(typ, ":")
		val := literal
		if !isLit {
			if decoy {
				val = f.decoy(typ, variant)
			} else {
				val = f.value(typ, variant)
			}
		}
		start := b.Len()
		b.WriteString(val)
		sp := Span{Type: typ, Start: start, End: b.Len()}
		if decoy {
			c.decoys = append(c.decoys, sp)
		} else {
			c.Spans = append(c.Spans, sp)
		}
	}
	c.Text = b.String()
	if len(f.notes) > 0 {
		c.Note = strings.Join(f.notes, "; ")
	}
	return c
}

// value draws a labelled value of the type.
func (f *filler) value(typ, variant string) string {
	g := f.g
	note := func(s string) { f.notes = append(f.notes, s) }
	switch typ {
	case "credit_card":
		n := f.next(typ)
		is := cardIssuers[n%len(cardIssuers)]
		if variant != "" {
			is = issuerByName(variant)
		}
		style := []string{"spaces", "plain", "dashes", "spaces"}[n/len(cardIssuers)%4]
		note(is.name + " card, " + style)
		return g.card(is, style)
	case "iban":
		n := f.next(typ)
		country := ibanFormats[n%len(ibanFormats)].country
		if variant != "" {
			country = variant
		}
		spaced := (n/len(ibanFormats)+n)%2 == 0
		note("IBAN " + country + map[bool]string{true: " grouped", false: " compact"}[spaced])
		return g.iban(country, spaced)
	case "us_ssn":
		n := f.next(typ)
		switch {
		case variant == "plain":
			return g.ssn("")
		case variant == "space" || n%9 == 4:
			return g.ssn(" ")
		}
		return g.ssn("-")
	case "uk_nino":
		n := f.next(typ)
		return g.nino(variant != "compact" && n%3 != 2)
	case "email":
		return f.email()
	case "phone":
		return f.phone(variant)
	case "ip_address":
		n := f.next(typ)
		if variant == "v6" || n%4 == 3 {
			return pick(g, []string{"2001:db8:", "2001:0db8:", "fd12:3456:"}) + fmt.Sprintf("%x:%x::%x:%x", g.intn(65536), g.intn(65536), g.intn(65536), 1+g.intn(65535))
		}
		switch n % 3 {
		case 0:
			return fmt.Sprintf("10.%d.%d.%d", g.intn(256), g.intn(256), 1+g.intn(254))
		case 1:
			return fmt.Sprintf("192.168.%d.%d", g.intn(256), 1+g.intn(254))
		}
		return fmt.Sprintf("%s.%d", pick(g, []string{"203.0.113", "198.51.100", "192.0.2"}), 1+g.intn(254))
	case "date_of_birth":
		return f.dob(variant)
	case "address":
		return f.address(variant)
	case "person":
		return f.person()
	case "health":
		return f.health(variant)
	case "aws_access_key":
		return g.awsKey()
	case "github_token":
		return g.githubToken(pick(g, []string{"ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"}))
	case "slack_token":
		return g.slackToken()
	case "stripe_key":
		return g.stripeKey()
	case "openai_api_key":
		return g.openAIKey()
	case "private_key":
		return g.privateKey()
	case "jwt":
		return g.jwt()
	case "connection_string":
		return g.connectionString()
	case "password":
		return g.password()
	case "generic_secret":
		return g.genericSecret()
	}
	panic("unknown type " + typ)
}

// decoy draws a look-alike that fails the type's validation.
func (f *filler) decoy(typ, variant string) string {
	g := f.g
	n := f.next("decoy " + typ)
	style := []string{"spaces", "plain", "dashes"}[n%3]
	switch typ {
	case "credit_card":
		if variant == "noissuer" {
			return g.cardDecoyNoIssuer(style)
		}
		return g.cardDecoyBadLuhn(style)
	case "iban":
		country := ibanFormats[n%len(ibanFormats)].country
		if variant != "" {
			country = variant
		}
		return g.ibanDecoy(country, n%2 == 0, n/len(ibanFormats)%2)
	case "us_ssn":
		return g.ssnDecoy(n)
	}
	panic("no decoy generator for " + typ)
}

var (
	firstNames = []string{"Maria", "Oluwaseun", "Priya", "Tomás", "Wei", "Aisha", "Jean-Luc", "Siobhán", "Lukas", "Sofia",
		"Mateo", "Hannah", "Kenji", "Fatima", "Grace", "Dmitri", "Amara", "Lars", "Ines", "Rahul",
		"Chloé", "Emeka", "Zofia", "Noah", "Leila", "Mikael", "Ayumi", "Carlos", "Freya", "Samuel"}
	lastNames = []string{"Schneider", "Adeyemi", "Natarajan", "García", "Chen", "Rahman", "Moreau", "O'Neill", "Becker", "Rossi",
		"Fernández", "Okafor", "Nakamura", "El-Amin", "Walsh", "Ivanov", "Mensah", "Johansson", "Silva", "Kapoor",
		"Dubois", "Nwosu", "Kowalska", "Fischer", "Haddad", "Lindqvist", "Tanaka", "Morales", "Campbell", "Brennan"}
)

func (f *filler) person() string {
	return pick(f.g, firstNames) + " " + pick(f.g, lastNames)
}

// ascii folds the accented letters used in names for e-mail local parts.
var ascii = strings.NewReplacer("á", "a", "é", "e", "ó", "o", "í", "i", "'", "", "-", "", " ", "")

func (f *filler) email() string {
	g := f.g
	first := strings.ToLower(ascii.Replace(pick(g, firstNames)))
	last := strings.ToLower(ascii.Replace(pick(g, lastNames)))
	domain := pick(g, []string{"example.com", "example.org", "example.net", "corp.example.com", "mail.example", "hr.example.co.uk"})
	switch f.next("email") % 5 {
	case 0:
		return first + "." + last + "@" + domain
	case 1:
		return first[:1] + last + "@" + domain
	case 2:
		return first + "." + last + g.digits(2) + "@" + domain
	case 3:
		return first + "_" + last + "+payroll@" + domain
	}
	return last + "." + first + "@" + domain
}

// phone cycles through E.164 and national formats of the US, UK, Germany
// and France, using the ranges set aside for fiction where there are
// some (US 555-01xx, UK 020 7946 0xxx and 07700 900xxx, France 01 99 00
// and 06 39 98).
func (f *filler) phone(variant string) string {
	g := f.g
	formats := map[string][]string{
		"us":   {"us-paren", "us-dash", "us-dot"},
		"uk":   {"uk-london", "uk-mobile", "uk-manchester"},
		"de":   {"de-berlin", "de-mobile"},
		"fr":   {"fr-fixed", "fr-mobile"},
		"e164": {"e164-us", "e164-uk", "e164-de", "e164-fr", "e164-us-spaced", "e164-uk-spaced", "e164-de-spaced", "e164-fr-spaced"},
	}
	all := []string{"us-paren", "e164-uk-spaced", "de-berlin", "fr-mobile", "uk-mobile", "e164-us", "us-dash",
		"fr-fixed", "e164-de-spaced", "uk-london", "e164-fr-spaced", "de-mobile", "e164-uk", "us-dot", "e164-de", "e164-fr", "e164-us-spaced", "uk-manchester"}
	n := f.next("phone")
	kind := all[n%len(all)]
	if variant != "" {
		fs := formats[variant]
		kind = fs[n%len(fs)]
	}
	area := pick(g, []string{"212", "415", "312", "617", "206", "512"})
	us := "555-01" + g.digits(2)
	deLocal := g.digits(g.between(6, 8))
	deMobile := pick(g, []string{"151", "160", "170", "176"}) + g.digits(8)
	fr2 := pick(g, []string{"1 99 00", "6 39 98"})
	frTail := g.digits(2) + " " + g.digits(2)
	ukLondon := "7946 0" + g.digits(3)
	ukMobile := "7700 900" + g.digits(3)
	f.notes = append(f.notes, "phone "+kind)
	switch kind {
	case "us-paren":
		return "(" + area + ") " + us
	case "us-dash":
		return area + "-" + us
	case "us-dot":
		return area + "." + strings.ReplaceAll(us, "-", ".")
	case "uk-london":
		return "020 " + ukLondon
	case "uk-mobile":
		return "0" + ukMobile[:4] + " " + ukMobile[5:]
	case "uk-manchester":
		return "0161 496 0" + g.digits(3)
	case "de-berlin":
		return "030 " + deLocal
	case "de-mobile":
		return "0" + deMobile[:3] + " " + deMobile[3:]
	case "fr-fixed", "fr-mobile":
		return "0" + fr2 + " " + frTail
	case "e164-us":
		return "+1" + area + strings.ReplaceAll(us, "-", "")
	case "e164-us-spaced":
		return "+1 " + area + " " + strings.ReplaceAll(us, "-", " ")
	case "e164-uk":
		return "+44" + strings.ReplaceAll(pick(g, []string{"20" + ukLondon, ukMobile}), " ", "")
	case "e164-uk-spaced":
		return "+44 " + pick(g, []string{"20 " + ukLondon, ukMobile})
	case "e164-de":
		return "+49" + pick(g, []string{"30" + deLocal, deMobile})
	case "e164-de-spaced":
		return "+49 " + pick(g, []string{"30 " + deLocal, deMobile[:3] + " " + deMobile[3:]})
	case "e164-fr":
		return "+33" + strings.ReplaceAll(fr2+frTail, " ", "")
	default: // e164-fr-spaced
		return "+33 " + fr2 + " " + frTail
	}
}

var months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

func (f *filler) dob(variant string) string {
	g := f.g
	y, m, d := g.between(1958, 2004), g.between(1, 12), g.between(1, 28)
	if variant == "child" {
		y = g.between(2019, 2024)
	}
	switch f.next("dob") % 6 {
	case 0:
		return fmt.Sprintf("%d %s %d", d, months[m-1], y)
	case 1:
		return fmt.Sprintf("%d-%02d-%02d", y, m, d)
	case 2:
		return fmt.Sprintf("%02d/%02d/%d", m, d, y)
	case 3:
		return fmt.Sprintf("%02d.%02d.%d", d, m, y)
	case 4:
		return fmt.Sprintf("%s %d, %d", months[m-1], d, y)
	}
	return fmt.Sprintf("%02d/%02d/%d", d, m, y)
}

func (f *filler) address(variant string) string {
	g := f.g
	kinds := []string{"us", "uk", "de", "fr"}
	kind := kinds[f.next("address")%len(kinds)]
	if variant != "" {
		kind = variant
	}
	switch kind {
	case "us":
		return fmt.Sprintf("%d %s, %s", g.between(10, 9899),
			pick(g, []string{"Elm Street", "Oak Avenue", "Maple Drive", "Lakeview Road", "Pine Court", "Cedar Lane"}),
			pick(g, []string{"Springfield, IL 62704", "Austin, TX 78701", "Portland, OR 97205", "Columbus, OH 43215", "Raleigh, NC 27601"}))
	case "uk":
		return fmt.Sprintf("%s%d %s, %s", pick(g, []string{"", "", "Flat 3, ", "Flat 12B, "}), g.between(1, 240),
			pick(g, []string{"Albert Road", "Victoria Street", "Church Lane", "Station Road", "Queens Gardens", "Mill Lane"}),
			pick(g, []string{"Manchester M14 5RT", "Leeds LS6 2AB", "Bristol BS7 8QT", "London N16 7UP", "Glasgow G12 8QQ"}))
	case "de":
		return fmt.Sprintf("%s %d, %s", pick(g, []string{"Lindenstraße", "Hauptstraße", "Goethestraße", "Am Markt", "Schillerweg", "Bahnhofstraße"}),
			g.between(1, 120), pick(g, []string{"10115 Berlin", "80331 München", "50667 Köln", "20095 Hamburg", "60311 Frankfurt am Main"}))
	}
	return fmt.Sprintf("%d %s, %s", g.between(1, 180),
		pick(g, []string{"rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "rue de la République", "allée des Tilleuls"}),
		pick(g, []string{"75011 Paris", "69003 Lyon", "33000 Bordeaux", "31000 Toulouse", "44000 Nantes"}))
}

func (f *filler) health(variant string) string {
	switch variant {
	case "med":
		return pick(f.g, []string{"sertraline", "metformin", "insulin", "methotrexate", "levetiracetam", "adalimumab", "lithium", "methylphenidate", "prednisolone", "fluoxetine 20 mg"})
	case "de":
		return pick(f.g, []string{"Diabetes Typ 2", "einen Bandscheibenvorfall", "Migräne", "Multiple Sklerose", "eine Depression"})
	}
	return pick(f.g, []string{"type 2 diabetes", "epilepsy", "major depressive disorder", "multiple sclerosis", "breast cancer",
		"long COVID", "Crohn's disease", "ADHD", "rheumatoid arthritis", "a herniated disc", "generalised anxiety disorder", "bipolar disorder", "asthma", "migraines"})
}
