package pii

import (
	"os"
	"testing"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// prompt1K is an ordinary 1 KB question to an HR agent with one e-mail
// address in it.
var prompt1K = func() string {
	p := "Hello, I have a question about my leave balance for the coming quarter. " +
		"I joined the company in the spring and my manager told me that the policy changed last year, " +
		"so I am not sure how many days I can carry over into next year, or whether unused days are paid out " +
		"when the fiscal year closes. Could you explain how the carry-over rule works for people who started " +
		"part way through the year, and what happens if a public holiday falls inside a week of planned leave? " +
		"I would also like to know whether I need to file the request through the portal or send it to my " +
		"manager directly, and how long approval usually takes during the busy season. If there is a form, " +
		"please tell me where to find it. You can send any documents to jane.doe@example.com and I will read " +
		"them this week. I also wonder whether the parental leave policy was updated at the same time, since " +
		"a colleague mentioned that the number of weeks changed and that the notice period is now longer than " +
		"it used to be. Thank you for your help, and sorry for the long list of questions!"
	for len(p) < 1024 {
		p += " Thanks again."
	}
	return p[:1024]
}()

func benchDetect(b *testing.B, d detect.Detector, text string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var dst []detect.Finding
	for b.Loop() {
		dst = d.Detect(dst[:0], text)
	}
}

// BenchmarkProse measures throughput on ordinary e-mail text.
func BenchmarkProse(b *testing.B) {
	prose, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		b.Fatal(err)
	}
	benchDetect(b, New(Options{}), string(prose))
}

// BenchmarkPrompt1K measures latency on a 1 KB prompt with one e-mail
// address.
func BenchmarkPrompt1K(b *testing.B) {
	benchDetect(b, New(Options{}), prompt1K)
}

// BenchmarkProseFamily measures what each family adds to the cost of the
// scan on prose.txt (e-mail alone is the floor: the scan itself and the
// numeric types, which always run so that overlaps resolve).
func BenchmarkProseFamily(b *testing.B) {
	prose, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		b.Fatal(err)
	}
	for _, types := range [][]string{
		{TypeEmail},
		{TypeEmail, TypeAddress},
		{TypeEmail, TypePerson},
		{TypeEmail, TypeHealth, TypeDateOfBirth},
	} {
		b.Run(types[len(types)-1], func(b *testing.B) {
			benchDetect(b, New(Options{Types: types}), string(prose))
		})
	}
}
