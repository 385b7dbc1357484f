package inject

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The tests below check the shortcuts of the hot paths (asciiWord's byte
// table, readUnit's packed words and lexShort, the backward word loop of
// scanBack, the eight-byte skip of shapeFeatures) against the plain code
// they stand for, on random text made to hit their edges.

// shortcutRounds scales a test's rounds down under the race detector.
func shortcutRounds(n int) int {
	if raceEnabled || testing.Short() {
		return n / 10
	}
	return n
}

// shortcutPieces are the bits random texts are made of: words of the
// lexicon and the phrase tables in several spellings, and the bytes the
// tokenizers treat specially.
var shortcutPieces = func() []string {
	p := []string{" ", " ", " ", "  ", ", ", ". ", ".", "!", "?", ";", ":", "\n", "\t", "'", "-", "_", "\"", "'s",
		"’", "’s", "é", "É", "Ж", "ж", "Ω", "中文", "\u200b", "\xff", "\x80", "\xc3", "e\u0301", "0", "7", "1gn0re", "r3v3al",
		"ABC", "DEF", "I", "A", "x", "ok", "It's", "don't", "well-known", "e-mail", "a.b", "(", ")", "<b>", "…", "—", "\u3002"}
	for i, w := range theLexicon.words {
		if i%3 != 0 {
			continue
		}
		w = strings.TrimSuffix(w, "*")
		p = append(p, w, strings.ToUpper(w), w+"s", w+"ing", w+"'s")
	}
	for _, w := range []string{"ignore", "previous", "instructions", "system", "prompt", "user", "rules", "configuration", "reveal", "your"} {
		p = append(p, w, strings.ToUpper(w[:1])+w[1:], strings.ToUpper(w))
	}
	return p
}()

func shortcutText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(shortcutPieces[rng.IntN(len(shortcutPieces))])
	}
	return b.String()
}

func TestAsciiWordMatchesNextWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range shortcutRounds(20000) {
		text := shortcutText(rng, 1+rng.IntN(12))
		limit := rng.IntN(len(text) + 1)
		pos := rng.IntN(len(text) + 1)
		s, e, brk, ok := asciiWord(text, pos, limit)
		s2, e2, brk2, ok2 := nextWord(text, pos, limit)
		if s != s2 || e != e2 || brk != brk2 || ok != ok2 {
			t.Fatalf("%q [%d,%d): asciiWord %d %d %v %v, nextWord %d %d %v %v", text, pos, limit, s, e, brk, ok, s2, e2, brk2, ok2)
		}
	}
	for c := range 256 {
		want := uint8(gkGap)
		switch {
		case c >= 0x80:
			want = gkHigh
		case class[c]&cWord != 0:
			want = gkWord
		case c == '\n' || c == '!' || c == '?' || c == ';' || c == ':':
			want = gkBreak
		case c == '.':
			want = gkDot
		}
		if gapKind[c] != want {
			t.Fatalf("gapKind[%#x] = %d, want %d", c, gapKind[c], want)
		}
	}
}

// readUnitPlain is readUnit without its packed path: every word lowered
// by lowerAppend and looked up in the lexicon.
func (st *scanState) readUnitPlain(s, e int, r *unitRead) {
	t := st.text
	var lw [64]byte
	pos := s
	for r.words < maxUnitWords {
		ws, we, _, ok := nextWord(t, pos, e)
		if !ok {
			break
		}
		pos = we
		if we-ws <= len(lw)/2 {
			l := lowerAppend(lw[:0], t, ws, we)
			if r.words == 0 {
				r.asks = questionWord(l)
			}
			if n := len(l); n > 3 && l[n-2] == '\'' && l[n-1] == 's' {
				l = l[:n-2]
			}
			ent, ok := theLexicon.lookup(l)
			if !ok {
				ent, ok = theLexicon.lookupDigits(l)
			}
			if !ok && len(l) >= 3 {
				r.hashes[r.nh] = fnv32(l)
				r.nh++
			}
			if ok && r.nt < len(r.toks) {
				r.toks[r.nt] = unitTok{mask: ent.mask, id: ent.id, pos: uint16(r.words)}
				r.nt++
				r.all |= ent.mask
			}
		}
		r.words++
	}
}

func TestReadUnitMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range shortcutRounds(20000) {
		text := shortcutText(rng, 1+rng.IntN(30))
		s := rng.IntN(len(text) + 1)
		e := s + rng.IntN(len(text)-s+1)
		st := scanState{e: theEngine, text: text}
		var got, want unitRead
		st.readUnit(s, e, &got)
		st.readUnitPlain(s, e, &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q [%d,%d):\ngot  %+v\nwant %+v", text, s, e, got, want)
		}
	}
}

func TestLookupPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var words []string
	for _, w := range theLexicon.words {
		w = strings.TrimSuffix(w, "*")
		for n := 1; n <= len(w)+2; n++ {
			x := w + "xyzzy"
			words = append(words, x[:min(n, len(x))])
		}
	}
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789_'-"
	for range shortcutRounds(100000) {
		b := make([]byte, 1+rng.IntN(8))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		words = append(words, string(b))
	}
	checked := 0
	for _, w := range words {
		if len(w) > 8 || !ascii(w) {
			continue
		}
		checked++
		want, wok := theLexicon.lookup([]byte(w))
		got, gok := theLexShort.lookupPacked(pack8(w), len(w))
		if got != want || gok != wok {
			t.Fatalf("%q: lookupPacked %v %v, lookup %v %v", w, got, gok, want, wok)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d words checked", checked)
	}
}

// scanBackPlain is scanBack's backward word loop as plain code.
func scanBackWordPlain(t string, i int) int {
	e := i
	for i > 0 && e-i < 64 {
		j, word, _ := runeBefore(t, i)
		if !word {
			break
		}
		i = j
	}
	return i
}

func TestScanBackMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range shortcutRounds(5000) {
		text := shortcutText(rng, 1+rng.IntN(40))
		if rng.IntN(4) == 0 {
			text = strings.Repeat("a", rng.IntN(100)) + text // a word longer than 64 bytes
		}
		s, e, _, ok := nextWord(text, rng.IntN(len(text)+1), len(text))
		if !ok {
			continue
		}
		var w window
		w.reset(text, s, e)
		for k := 1; k <= maxBackToks; k++ {
			tok := w.backTok(k)
			if tok == nil {
				break
			}
			if want := scanBackWordPlain(text, tok.e); tok.s != want {
				t.Fatalf("%q, anchor at %d: back word %d starts at %d, want %d", text, s, k, tok.s, want)
			}
		}
	}
}

// shapeFeaturesPlain lists the shape features of text[s:e] as the plain
// byte loop finds them.
func shapePlain(t string, s, e int) (colon, quote, caps bool) {
	run := 0
	for i := s; i < e; i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			run++
			if run >= 3 {
				caps = true
			}
			continue
		case c == ':':
			colon = true
		case c == '"' || c == '\'' && (i == s || class[t[i-1]]&cLetter == 0):
			quote = true
		}
		run = 0
	}
	return
}

func TestShapeFeaturesMatchPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range shortcutRounds(20000) {
		text := shortcutText(rng, 1+rng.IntN(30))
		s := rng.IntN(len(text) + 1)
		e := s + rng.IntN(len(text)-s+1)
		st := scanState{text: text}
		k := featSink{rec: true}
		st.shapeFeatures(s, e, false, &k)
		var colon, quote, caps bool
		for _, id := range k.ids {
			switch id {
			case fShape + shapeColon:
				colon = true
			case fShape + shapeQuote:
				quote = true
			case fShape + shapeCaps:
				caps = true
			}
		}
		c2, q2, k2 := shapePlain(text, s, e)
		if colon != c2 || quote != q2 || caps != k2 {
			t.Fatalf("%q [%d,%d): colon %v quote %v caps %v, want %v %v %v", text, s, e, colon, quote, caps, c2, q2, k2)
		}
	}
}
