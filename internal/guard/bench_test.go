package guard

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// prompt1K is a 1 KB user message of ordinary HR questions with one e-mail
// address in it.
var prompt1K = func() string {
	s := "Hi, I am planning two weeks of annual leave in August and wanted to check how many days I have left this year. " +
		"My manager said I should ask you first. Also, could you tell me whether unused days carry over into next year, " +
		"and what the policy is for booking leave during the busy season? If anything needs signing, please send it to " +
		"jordan.miles@example.com. I would also like to know how parental leave works if my partner is expecting in spring: " +
		"is it paid in full, how much notice do I need to give, and can it be split into several blocks? Finally, " +
		"is there anything I should know about working from home while abroad for a few days before or after the leave? "
	for len(s) < 1024 {
		s += "Thanks a lot for your help with all of this. "
	}
	return s[:1024]
}()

func loadProse(b *testing.B) string {
	data, err := os.ReadFile("detect/testdata/prose.txt")
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// BenchmarkDetectProse is the full default detector set (personal data,
// health, secrets, direct injection) over ordinary e-mail prose.
func BenchmarkDetectProse(b *testing.B) {
	e := NewEngine(Builtin(nil, nil))
	text := loadProse(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Detect(FromUser, text)
	}
}

// BenchmarkDetectProseCalls is BenchmarkDetectProse timed call by call:
// it reports the fastest call, the 1st and 5th percentiles and the
// median ("min-µs", "p1-µs" ...) and the throughput at the 1st percentile
// ("p1-MB/s"). On a shared machine the mean of a run mostly measures the
// neighbours; the fast calls measure the code on a free core. Run it with
// a fixed count of calls, e.g. -benchtime 8000x.
func BenchmarkDetectProseCalls(b *testing.B) {
	e := NewEngine(Builtin(nil, nil))
	text := loadProse(b)
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		_ = e.Detect(FromUser, text)
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	at := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / 1e3 }
	b.ReportMetric(at(0), "min-µs")
	b.ReportMetric(at(0.01), "p1-µs")
	b.ReportMetric(at(0.05), "p5-µs")
	b.ReportMetric(at(0.5), "p50-µs")
	b.ReportMetric(float64(len(text))/at(0.01), "p1-MB/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDetectCorpus is the full default detector set on other kinds
// of text than the e-mails of BenchmarkDetectProse, about 25 KB of each,
// since throughput depends on how much of a text looks like a candidate:
// the team's HR-helpdesk prompts (testdata/guard/cases.jsonl),
// documentation (testdata/guard/technical_benign.jsonl), and, where the
// public data is present, BIPIA's tables and code.
func BenchmarkDetectCorpus(b *testing.B) {
	for _, c := range []struct{ name, path, field string }{
		{"email", "detect/testdata/prose.txt", ""},
		{"prompts", "../../testdata/guard/cases.jsonl", "text"},
		{"docs", "../../testdata/guard/technical_benign.jsonl", "text"},
		{"table", "/work/shared/data/bipia-train/table/train.jsonl", "context"},
		{"code", "/work/shared/data/bipia-train/code/train.jsonl", "context"},
	} {
		b.Run(c.name, func(b *testing.B) {
			text, err := corpusSample(c.path, c.field, 25000)
			if err != nil {
				b.Skipf("%s: %v", c.path, err)
			}
			e := NewEngine(Builtin(nil, nil))
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				_ = e.Detect(FromUser, text)
			}
		})
	}
}

// corpusSample returns about limit bytes of the file at path: the file
// itself, or for a JSON Lines file the field of its records, one per
// paragraph (a list of strings is one line each), in file order.
func corpusSample(path, field string, limit int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if field == "" {
		data, err := os.ReadFile(path)
		return string(data), err
	}
	var sb strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() && sb.Len() < limit {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return "", err
		}
		switch v := rec[field].(type) {
		case string:
			sb.WriteString(v)
		case []any: // BIPIA's code contexts: a list of lines
			for _, l := range v {
				if s, ok := l.(string); ok {
					sb.WriteString(s)
					sb.WriteByte('\n')
				}
			}
		}
		sb.WriteString("\n\n")
	}
	return sb.String(), sc.Err()
}

// BenchmarkDetectPrompt1K is the same set on a 1 KB prompt.
func BenchmarkDetectPrompt1K(b *testing.B) {
	e := NewEngine(Builtin(nil, nil))
	b.SetBytes(int64(len(prompt1K)))
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Detect(FromUser, prompt1K)
	}
}

// BenchmarkInspectPrompt1K is a whole inbound inspection under the default
// policy: detection, policy and redaction of the e-mail address.
func BenchmarkInspectPrompt1K(b *testing.B) {
	g := NewEngine(Builtin(nil, nil)).ForAgent(nil, "You are the HR helpdesk. Answer from the handbook only.")
	ctx := context.Background()
	b.SetBytes(int64(len(prompt1K)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Begin(ctx, "openai").Inspect(ctx, FromUser, prompt1K); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamAnswer1K guards a 1 KB answer streamed in 16-byte pieces.
func BenchmarkStreamAnswer1K(b *testing.B) {
	g := NewEngine(Builtin(nil, nil)).ForAgent(nil, "You are the HR helpdesk. Answer from the handbook only.")
	ctx := context.Background()
	answer := strings.ReplaceAll(prompt1K, "jordan.miles@example.com", "the HR team")
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		sg := g.Begin(ctx, "openai").NewStream(ctx)
		for i := 0; i < len(answer); i += 16 {
			if _, _, err := sg.Write(answer[i:min(len(answer), i+16)]); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := sg.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssemblyGain runs the full default set with the detectors'
// assembly fast paths on and off (SetAssembly) in alternating blocks of
// 20 calls in one process, on the e-mail sample, the other corpora of
// BenchmarkDetectCorpus and the 1 KB prompt, and reports the median and
// the fastest call of each ("asm-p50-µs", "go-min-µs" ...) and the
// median's throughput with the assembly on. Alternating within one
// process keeps a busy machine's drift out of the comparison.
func BenchmarkAssemblyGain(b *testing.B) {
	type corpus struct{ name, path, field string }
	for _, c := range []corpus{
		{"email", "detect/testdata/prose.txt", ""},
		{"prompts", "../../testdata/guard/cases.jsonl", "text"},
		{"docs", "../../testdata/guard/technical_benign.jsonl", "text"},
		{"table", "/work/shared/data/bipia-train/table/train.jsonl", "context"},
		{"code", "/work/shared/data/bipia-train/code/train.jsonl", "context"},
		{"prompt1K", "", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			text := prompt1K
			if c.path != "" {
				var err error
				if text, err = corpusSample(c.path, c.field, 25000); err != nil {
					b.Skipf("%s: %v", c.path, err)
				}
			}
			e := NewEngine(Builtin(nil, nil))
			defer SetAssembly(true)
			var on, off []time.Duration
			for b.Loop() {
				for k := range 2 {
					SetAssembly(k == 0)
					for range 20 {
						t0 := time.Now()
						_ = e.Detect(FromUser, text)
						if dt := time.Since(t0); k == 0 {
							on = append(on, dt)
						} else {
							off = append(off, dt)
						}
					}
				}
			}
			slices.Sort(on)
			slices.Sort(off)
			us := func(d time.Duration) float64 { return float64(d) / 1e3 }
			b.ReportMetric(us(on[len(on)/2]), "asm-p50-µs")
			b.ReportMetric(us(off[len(off)/2]), "go-p50-µs")
			b.ReportMetric(us(on[0]), "asm-min-µs")
			b.ReportMetric(us(off[0]), "go-min-µs")
			b.ReportMetric(float64(len(text))/us(on[len(on)/2]), "asm-p50-MB/s")
			b.ReportMetric(float64(len(text))/us(off[len(off)/2]), "go-p50-MB/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
