package secrets

import (
	"math"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// fuzzSeeds are inputs that reach every rule's check.
func fuzzSeeds() []string {
	g := newGen(11)
	return []string{
		"", "\x00", "\xff\xfe", "AKIA", "AKIAIOSFODNN7EXAMPLE", g.awsKey("ASIA"),
		"AIza" + g.str(b64url, 35), "AccountKey=" + g.str(b64chars, 86) + "==",
		g.checksummed("ghp_"), "github_pat_" + g.str(alnum, 22) + "_" + g.str(alnum, 59),
		"glpat-" + g.str(b64url, 20), "xoxb-1234567890-1234567890123-" + g.str(alnum, 24),
		"https://hooks.slack.com/services/T" + g.str(upperNum, 9) + "/B" + g.str(upperNum, 9) + "/" + g.str(alnum, 24),
		"sk_live_" + g.str(alnum, 24), "sk-proj-" + g.str(b64url, 40) + "T3BlbkFJ" + g.str(b64url, 40),
		"sk-ant-api03-" + g.str(b64url, 93) + "AA", g.checksummed("npm_"),
		"SG." + g.str(b64url, 22) + "." + g.str(b64url, 43), "twilio SK" + g.str(hexLower, 32),
		g.pem("RSA"), "-----BEGIN PRIVATE KEY-----\nAAAA\n", `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`,
		g.jwt(`{"alg":"none"}`, `{"a":1}`), "eyJhbGciOiJub25lIn0.eyJ9.", "postgres://u:p4ssw0rd@h/db", "Server=s;Database=d;Password=x9!kLm2q;",
		"password = \"h\\\"unter2\"", "--password hunter2x", "Authorization: Basic YWRtaW46czNjcjN0", "token: \\\"abc\\\"",
		"api_key=" + g.str(alnum, 32), "a=b=c::d://e@f", "-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n",
	}
}

// FuzzDetect checks Detect's contract on arbitrary bytes: no panic, spans
// in bounds and non-empty, sorted and disjoint, on rune boundaries for
// valid UTF-8, known types in the secret category, confidences in (0,1],
// dst's prefix untouched, and the same answer twice.
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	d := New(Options{})
	types := Rules()
	f.Fuzz(func(t *testing.T, text string) {
		prior := detect.Finding{Type: "x", Start: 1, End: 2}
		got := d.Detect([]detect.Finding{prior}, text)
		if len(got) == 0 || got[0] != prior {
			t.Fatalf("dst prefix changed: %v", got)
		}
		got = got[1:]
		valid := utf8.ValidString(text)
		for i, f := range got {
			if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
				t.Fatalf("bad span %d..%d for len %d: %+v", f.Start, f.End, len(text), f)
			}
			if i > 0 && f.Start < got[i-1].End {
				t.Fatalf("unsorted or overlapping: %+v then %+v", got[i-1], f)
			}
			if valid && (!utf8.RuneStart(text[f.Start]) || (f.End < len(text) && !utf8.RuneStart(text[f.End]))) {
				t.Fatalf("span %d..%d splits a rune in %q", f.Start, f.End, text)
			}
			if !slices.Contains(types, f.Type) || f.Category != detect.Secret {
				t.Fatalf("unknown type or category: %+v", f)
			}
			if !(f.Confidence > 0 && f.Confidence <= 1) {
				t.Fatalf("confidence out of range: %+v", f)
			}
		}
		if again := d.Detect(nil, text); !slices.Equal(again, got) {
			t.Fatalf("not deterministic: %v vs %v", got, again)
		}
	})
}

// FuzzEntropy checks that Entropy stays within [0, min(8, log2(len))].
func FuzzEntropy(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := Entropy(s)
		limit := 0.0
		if len(s) > 0 {
			limit = math.Min(8, math.Log2(float64(len(s))))
		}
		if math.IsNaN(h) || h < 0 || h > limit+1e-9 {
			t.Fatalf("Entropy(%q) = %v, want in [0, %v]", s, h, limit)
		}
	})
}
