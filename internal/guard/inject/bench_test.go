package inject

import (
	"github.com/palisade-gw/palisade/internal/guard/detect"
	"os"
	"strings"
	"testing"
)

// prompt1K is a benign helpdesk prompt of about 1 KB.
var prompt1K = strings.Repeat("Hi, I have a question about my benefits. I started in March and "+
	"my manager said I could carry over five vacation days, but the portal shows zero. "+
	"Could you check the policy and tell me what I should do next? Thanks a lot! ", 5)[:1024]

func loadProse(b *testing.B) string {
	b.Helper()
	data, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		b.Fatalf("reading prose: %v", err)
	}
	return string(data)
}

func benchDetect(b *testing.B, mode Mode, text string) {
	d := New(Options{Mode: mode})
	dst := make([]detect.Finding, 0, 16)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = d.Detect(dst[:0], text)
	}
}

func BenchmarkPromptProse(b *testing.B)  { benchDetect(b, Prompt, loadProse(b)) }
func BenchmarkContentProse(b *testing.B) { benchDetect(b, Content, loadProse(b)) }
func BenchmarkPrompt1K(b *testing.B)     { benchDetect(b, Prompt, prompt1K) }
func BenchmarkContent1K(b *testing.B)    { benchDetect(b, Content, prompt1K) }
