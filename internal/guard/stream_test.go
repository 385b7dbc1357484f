package guard

import (
	"context"
	"strings"
	"testing"
)

// feed streams text through sg in pieces of n bytes and returns what was
// released before Flush and in total.
func feed(t *testing.T, sg StreamGuard, text string, n int) (early, all string, blocked bool) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(text); i += n {
		out, v, err := sg.Write(text[i:min(len(text), i+n)])
		if err != nil {
			t.Fatal(err)
		}
		if v.Action == ActionBlock {
			return b.String(), b.String(), true
		}
		b.WriteString(out)
	}
	early = b.String()
	out, v, err := sg.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if v.Action == ActionBlock {
		return early, b.String(), true
	}
	b.WriteString(out)
	return early, b.String(), false
}

func TestStreamCatchesSplitValues(t *testing.T) {
	prose := strings.Repeat("The leave policy gives every employee twenty five days a year. ", 8)
	text := prose + "Your card 4111 1111 1111 1111 is on file, token ghp_abcdefghij too. " + prose
	for _, n := range []int{1, 3, 7, 64, 1000} {
		turn := testEngine().ForAgent(nil, "").Begin(context.Background(), "openai")
		sg := turn.NewStream(context.Background())
		early, all, blocked := feed(t, sg, text, n)
		if blocked {
			t.Fatalf("n=%d blocked", n)
		}
		if strings.Contains(all, "4111") || strings.Contains(all, "ghp_") {
			t.Fatalf("n=%d leaked: %q", n, all)
		}
		want := strings.NewReplacer("4111 1111 1111 1111", "<CREDIT_CARD_1>", "ghp_abcdefghij", "<GITHUB_TOKEN_1>").Replace(text)
		if all != want || sg.Guarded() != want {
			t.Fatalf("n=%d\n got %q\nwant %q", n, all, want)
		}
		if len(early) < len(text)/2 {
			t.Fatalf("n=%d held back too much: released %d of %d before the end", n, len(early), len(text))
		}
	}
}

func TestStreamRestoresAndKeepsLinksWhole(t *testing.T) {
	pol := DefaultPolicy()
	pol.LinkHosts = []string{"intranet.example.com"}
	turn := testEngine().ForAgent(pol, "").Begin(context.Background(), "openai")
	if _, err := turn.Inspect(context.Background(), FromUser, "I am ann@corp.com"); err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("word ", 40)
	text := filler + "Hello <EMAIL_1>, read [the policy](https://intranet.example.com/leave) not [x](https://evil.test/" + strings.Repeat("a", 300) + ") " + filler
	sg := turn.NewStream(context.Background())
	_, all, _ := feed(t, sg, text, 5)
	if !strings.Contains(all, "Hello ann@corp.com, read [the policy](https://intranet.example.com/leave) not x ") || strings.Contains(all, "evil") {
		t.Fatalf("%q", all)
	}
	if !strings.Contains(sg.Guarded(), "<EMAIL_1>") {
		t.Fatal("guarded text must keep the placeholder")
	}
}

func TestStreamBlocksLeak(t *testing.T) {
	instr := "NEVER-SHOW-THESE-WORDS"
	turn := testEngine().ForAgent(nil, instr).Begin(context.Background(), "openai")
	sg := turn.NewStream(context.Background())
	text := strings.Repeat("fine text ", 30) + "my rules: " + instr + " " + strings.Repeat("more ", 50)
	_, all, blocked := feed(t, sg, text, 4)
	if !blocked || strings.Contains(all, "NEVER") {
		t.Fatalf("blocked=%v %q", blocked, all)
	}
	if _, v, _ := sg.Write("x"); v.Action != ActionBlock {
		t.Fatal("stream continued after a block")
	}
}

func TestStreamOversize(t *testing.T) {
	pol := DefaultPolicy()
	pol.MaxBytes = 300
	turn := testEngine().ForAgent(pol, "").Begin(context.Background(), "openai")
	sg := turn.NewStream(context.Background())
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, _, err = sg.Write("0123456789")
	}
	if err == nil {
		t.Fatal("no error past MaxBytes")
	}
	pol.Oversize = OversizeTruncate
	turn = testEngine().ForAgent(pol, "").Begin(context.Background(), "openai")
	sg = turn.NewStream(context.Background())
	_, all, _ := feed(t, sg, strings.Repeat("abcd ", 100), 9)
	if len(all) != 300 {
		t.Fatalf("truncated to %d", len(all))
	}
}
