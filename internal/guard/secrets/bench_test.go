package secrets

import (
	"os"
	"strings"
	"testing"
)

// prompt1K is a 1 KB prompt without secrets: prose with a little code and
// configuration, the punctuation the keyword scan stops at.
var prompt1K = func() string {
	const para = "Hi! Could you summarise the thread below and draft a reply? Key points: the " +
		"release moves to 10:30 on Friday, QA signs off on Thursday, and the config " +
		"change (retries = 3, timeout: 30s) ships with it. Also check the function " +
		"parse_items(data) for off-by-one errors; it returns items[1:] instead of items. " +
		"Thanks a lot - Maria.\n"
	s := strings.Repeat(para, 1024/len(para)+1)
	return s[:1024]
}()

func benchDetect(b *testing.B, text string) {
	d := New(Options{})
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	dst := d.Detect(nil, text)
	for b.Loop() {
		dst = d.Detect(dst[:0], text)
	}
}

// BenchmarkProse measures the no-candidate path on ordinary e-mail text.
func BenchmarkProse(b *testing.B) {
	data, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		b.Fatal(err)
	}
	benchDetect(b, string(data))
}

// BenchmarkPrompt1K measures a 1 KB prompt without secrets.
func BenchmarkPrompt1K(b *testing.B) { benchDetect(b, prompt1K) }

// BenchmarkPrompt1KGitHubToken measures a 1 KB prompt holding one GitHub
// token.
func BenchmarkPrompt1KGitHubToken(b *testing.B) {
	tok := newGen(12).checksummed("ghp_")
	text := prompt1K[:500] + " token " + tok + " " + prompt1K[500+len(tok)+8:]
	if len(New(Options{}).Detect(nil, text)) != 1 {
		b.Fatal("token not found")
	}
	benchDetect(b, text)
}

// BenchmarkConfig measures a secret-dense configuration file.
func BenchmarkConfig(b *testing.B) {
	g := newGen(13)
	text := strings.Repeat("db:\n  host: db.internal\n  port: 5432\n  password: hunter2x\n"+
		"aws_access_key_id = "+g.awsKey("AKIA")+"\napi_key: "+g.str(alnum, 32)+
		"\nurl: postgres://app:"+g.str(alnum, 12)+"@db/app\nname: \"service\"\n", 20)
	benchDetect(b, text)
}
