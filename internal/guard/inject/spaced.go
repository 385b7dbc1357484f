package inject

// Words spelt out letter by letter. "i-g-n-o-r-e a-l-l p-r-e-v-i-o-u-s
// i-n-s-t-r-u-c-t-i-o-n-s" and "I G N O R E   Y O U R   R U L E S" read
// as instructions to a model and as noise to the phrase tables, which see
// one-letter words. The main pass counts one-letter words one byte apart
// (scanState.single), and looks at long words with underscores; when
// minSpaced letters follow each other so, the runs are joined into words
// and scanned once more, like text revealed by removing hidden
// characters.

// minSpaced is how many one-letter words in a row make a run.
const minSpaced = 6

// maxSpacedGap bounds the separator between two letters of a run.
const maxSpacedGap = 3

// spacedSep reports whether c may separate the letters of a run.
func spacedSep(c byte) bool {
	switch c {
	case ' ', '-', '.', '_', '*', '|', '/', '+', '~', '\t':
		return true
	}
	return false
}

// rescanSpaced joins each run of at least minSpaced one-letter words into
// words, scans the result, and reports what it finds over the run, with
// a hidden_text finding for the run itself.
func (st *scanState) rescanSpaced() {
	t := st.text
	for i := 0; i < len(t); {
		end, joined, starts, ends := spacedRun(t, i)
		if end <= i {
			i++
			continue
		}
		found := false
		for _, f := range st.nested(joined, st.content) {
			if f.Start >= len(starts) || f.End > len(ends) || f.Start >= f.End {
				continue
			}
			found = true
			st.emit(f.Type, int(starts[f.Start]), int(ends[f.End-1]), f.Confidence)
		}
		if found {
			st.emit(TypeHiddenText, i, end, 0.8)
		}
		i = end
	}
}

// spacedRun reads a run of one-letter words starting at t[i]: each letter
// stands alone (no letter or digit next to it) and the next follows after
// at most maxSpacedGap separator bytes. It returns the end of the run
// and, for a run of minSpaced letters or more, the run with its letters
// joined: the separator that occurs most between letters joins them, any
// other makes a space. starts and ends give, for each byte of joined, the
// span of the original bytes it stands for. end is i when no run starts
// at i.
func spacedRun(t string, i int) (end int, joined string, starts, ends []int32) {
	if !isSpacedLetter(t, i) || i > 0 && class[t[i-1]]&(cLetter|cDigit) != 0 {
		return i, "", nil, nil
	}
	type gap struct{ s, e int }
	letters := []int{i}
	var gaps []gap
	p := i + 1
	for {
		q := p
		for q < len(t) && q-p < maxSpacedGap && spacedSep(t[q]) {
			q++
		}
		if q == p || q >= len(t) || !isSpacedLetter(t, q) {
			break
		}
		gaps = append(gaps, gap{p, q})
		letters = append(letters, q)
		p = q + 1
	}
	if len(letters) < minSpaced {
		return i, "", nil, nil
	}
	// The joining separator: the most common gap.
	count := map[string]int{}
	inner := ""
	for _, g := range gaps {
		sep := t[g.s:g.e]
		count[sep]++
		if count[sep] > count[inner] {
			inner = sep
		}
	}
	out := make([]byte, 0, 2*len(letters))
	for k, at := range letters {
		if k > 0 {
			if g := gaps[k-1]; t[g.s:g.e] != inner {
				out = append(out, ' ')
				starts = append(starts, int32(g.s))
				ends = append(ends, int32(g.e))
			}
		}
		out = append(out, t[at])
		starts = append(starts, int32(at))
		ends = append(ends, int32(at+1))
	}
	return p, string(out), starts, ends
}

// isSpacedLetter reports whether t[i] is an ASCII letter with no letter
// or digit right after it.
func isSpacedLetter(t string, i int) bool {
	return i < len(t) && class[t[i]]&cLetter != 0 && (i+1 >= len(t) || class[t[i+1]]&(cLetter|cDigit) == 0)
}

// underscored reports whether the word t[i:j] is minSpaced letters or
// more joined by underscores ("d_i_s_r_e_g_a_r_d"): one word to the main
// pass, since '_' belongs to words.
func underscored(t string, i, j int) bool {
	if j-i < 2*minSpaced-1 {
		return false
	}
	for k := i; k < j; k += 2 {
		if class[t[k]]&cLetter == 0 || k+1 < j && t[k+1] != '_' {
			return false
		}
	}
	return true
}
