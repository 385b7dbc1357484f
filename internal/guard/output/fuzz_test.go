package output

import (
	"html"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

var fuzzSeeds = []string{
	"",
	"plain text",
	"[a](https://evil.example/) ![b](//evil.example/x) <https://evil.example> www.evil.example",
	"[a [b] c](<https://hr.example.com/x y> \"t\") [r][1]\n[1]: javascript:alert(1)\n",
	"<img src=\"https://evil.example/\" onerror=x><a href=//evil.example>t</a>",
	"htt[p](y:z)s://evil.example/?q=1",
	"[x]\n(https://evil.example/wiki/A_(b))",
	"\xff\xfe[\x00](\x00https://\xc3)",
	"https:\\\\evil.example\\@hr.example.com mailto:a@evil.example,b@hr.example.com",
	"[[[[[[[[](((((((((]]]]]]]]<a <a <a \"'\"'",
}

func checkFindings(t *testing.T, text string, finds []detect.Finding) {
	t.Helper()
	for i, f := range finds {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			t.Fatalf("finding %+v out of bounds for %d bytes", f, len(text))
		}
		if f.Category != detect.Output || f.Confidence <= 0 || f.Confidence > 1 {
			t.Fatalf("bad finding %+v", f)
		}
		if i > 0 && finds[i-1].Start > f.Start {
			t.Fatalf("findings not sorted: %+v", finds)
		}
	}
}

// FuzzFilter checks, for any input: no panic; findings in bounds and
// sorted; nothing found means nothing changed; and the output is stable:
// filtering it again changes nothing and finds nothing.
func FuzzFilter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	lf := newTestFilter()
	f.Fuzz(func(t *testing.T, text string) {
		out, finds := lf.Filter(text)
		checkFindings(t, text, finds)
		if len(finds) == 0 && out != text {
			t.Fatalf("changed without findings: %q -> %q", text, out)
		}
		if len(finds) > 0 && out == text {
			t.Fatalf("findings without change: %q %+v", text, finds)
		}
		if out2, finds2 := lf.Filter(out); out2 != out || len(finds2) != 0 {
			t.Fatalf("output not stable: %q -> %q -> %q %+v", text, out, out2, finds2)
		}
	})
}

// evilForms are ways of writing a link to evilhost.test; each must be
// removed wherever it is placed.
var evilForms = []string{
	"[click](https://evilhost.test/a?q=SECRET)",
	"![x](https://evilhost.test/p.png)",
	"![x](//evilhost.test/p.png)",
	"[x]\n(https://evilhost.test/)",
	"<https://evilhost.test/a>",
	"https://evilhost.test/a",
	"HTTPS://EVILHOST.TEST/",
	" www.evilhost.test/x", // GitHub links www. only after a space or punctuation
	"[x][r]\n\n[r]: //evilhost.test/\n",
	"<img src=\"https://evilhost.test/x\">",
	"<a href=//evilhost.test>t</a>",
	"[x](https:\\\\evilhost.test)",
	"[x](https://hr.example.com.evilhost.test/)",
	"[x](mailto:a@evilhost.test)",
	"[w](https://evilhost.test/wiki/A_(b))",
}

// FuzzFilterRemovesHost places a link to evilhost.test between fuzzed
// text and checks the host is gone from the output. The surrounding text
// is stripped of quotes, angle brackets, parentheses and colons so that it
// cannot turn the link into a title, an attribute value or part of
// another URL, where it would rightly stay.
func FuzzFilterRemovesHost(f *testing.F) {
	f.Add("before ", " after", uint8(0))
	f.Add("[", "](x)", uint8(1))
	f.Add("\\", "]", uint8(5))
	f.Add("![", "", uint8(8))
	lf := newTestFilter()
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune("<>\"'():&`", r) {
				return -1
			}
			return r
		}, strings.ReplaceAll(strings.ToLower(s), "evilhost", ""))
	}
	f.Fuzz(func(t *testing.T, prefix, suffix string, kind uint8) {
		prefix, suffix = strip(prefix), strip(suffix)
		text := prefix + evilForms[int(kind)%len(evilForms)] + suffix
		out, finds := lf.Filter(text)
		checkFindings(t, text, finds)
		if strings.Contains(strings.ToLower(out), "evilhost") {
			t.Fatalf("host kept: %q -> %q", text, out)
		}
	})
}

// FuzzLeakGuardDetect checks, for any answer: no panic; findings in
// bounds, sorted, starting and ending on whole runes; and a stream fed the
// answer in two pieces agrees with Detect.
func FuzzLeakGuardDetect(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 3)
	}
	f.Add(hrInstructions, 100)
	f.Add("Voilà: "+hrInstructions[100:300]+"\xff"+hrInstructions[300:], 7)
	g := newHRGuard()
	f.Fuzz(func(t *testing.T, text string, cut int) {
		finds := g.Detect(nil, text)
		checkFindings(t, text, finds)
		for _, fd := range finds {
			if fd.Type != TypeSystemPromptLeak {
				t.Fatalf("type %q", fd.Type)
			}
			if r, _ := utf8.DecodeRuneInString(text[fd.Start:]); r == utf8.RuneError {
				t.Fatalf("finding starts inside a rune: %+v", fd)
			}
			if r, _ := utf8.DecodeLastRuneInString(text[:fd.End]); r == utf8.RuneError {
				t.Fatalf("finding ends inside a rune: %+v", fd)
			}
		}
		if cut < 0 {
			cut = -cut
		}
		if len(text) > 0 {
			cut %= len(text) + 1
		} else {
			cut = 0
		}
		s := g.NewStream()
		s.Detect(nil, text[:cut])
		if got := s.Detect(nil, text); !slices.Equal(got, finds) {
			t.Fatalf("stream %+v, detect %+v", got, finds)
		}
	})
}

// FuzzEscapeHTML checks the output holds no markup characters and
// unescapes back to the input.
func FuzzEscapeHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := EscapeHTML(text)
		if strings.ContainsAny(out, "<>\"'") {
			t.Fatalf("markup left in %q", out)
		}
		if back := html.UnescapeString(out); back != text {
			t.Fatalf("round trip %q -> %q -> %q", text, out, back)
		}
	})
}
