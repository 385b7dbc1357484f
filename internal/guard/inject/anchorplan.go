package inject

import (
	"encoding/binary"
	"math/bits"
)

// An anchor word selects dozens of patterns ("prompt" anchors about fifty),
// and most of them fail at once on the word right after the anchor or the
// word right before it. A patPlan lists the patterns of one anchor entry
// for one mode with what those two words must be for each pattern to have
// a chance, as bitmaps over the patterns: the scanner classifies the two
// words once, and calls match only for the patterns they leave. The
// bitmaps encode exactly the first step match takes in each direction
// (forward from the anchor, then backward), so a pattern is left out only
// where match would fail.

// patPlan is the plan of at most 64 patterns; next holds the rest.
type patPlan struct {
	pats []*pattern
	next *patPlan

	// The words after the anchor. fDep lists the patterns whose first
	// forward step looks at them; the others are in fFree.
	fFree  uint64
	fDep   uint64
	fColon uint64 // first forward step $colon: a ':' must follow the anchor
	fBrk   uint64 // possible when no word follows or a break comes first ($end)
	fwd    planDir

	// The words before the anchor, for the patterns with a backward step
	// (bDep).
	bDep   uint64
	bOnly  uint64 // the patterns of bDep with no forward step
	bStart uint64 // first backward step $start: the anchor must start a sentence
	back   planDir
}

// planDir holds the first word-set step of the patterns of a plan in one
// direction: the set it looks for and the fillers its gap allows.
type planDir struct {
	ids     []dirID
	anyFill uint64 // patterns whose gap takes any word
	gap2    uint64 // patterns whose gap takes two words or more
}

// dirID names the patterns whose step a word of set id completes (hit),
// and those whose gap it may fill.
type dirID struct {
	id        setID
	hit, fill uint64
}

// add records the word-set step st of the pattern bit b.
func (d *planDir) add(st *step, b uint64) {
	d.addID(st.set, b, 0)
	if st.gap > 0 {
		if st.any {
			d.anyFill |= b
		} else {
			d.addID(st.fill, 0, b)
		}
	}
	if st.gap > 1 {
		d.gap2 |= b
	}
}

func (d *planDir) addID(id setID, hit, fill uint64) {
	for i := range d.ids {
		if d.ids[i].id == id {
			d.ids[i].hit |= hit
			d.ids[i].fill |= fill
			return
		}
	}
	d.ids = append(d.ids, dirID{id, hit, fill})
}

// hits returns the patterns whose step the word of sets m completes, and
// those whose gap it may fill.
func (d *planDir) hits(m *setMask) (hit, fill uint64) {
	fill = d.anyFill
	if m == nil {
		return 0, fill
	}
	for i := range d.ids {
		if x := &d.ids[i]; m.has(x.id) {
			hit |= x.hit
			fill |= x.fill
		}
	}
	return hit, fill
}

// newPatPlan builds the plan of the patterns pats (in their order) of an
// anchor entry.
func newPatPlan(pats []*pattern, conj setID) *patPlan {
	if len(pats) == 0 {
		return nil
	}
	pl := &patPlan{pats: pats[:min(64, len(pats)):min(64, len(pats))]}
	if len(pats) > 64 {
		pl.next = newPatPlan(pats[64:], conj)
	}
	for i, p := range pl.pats {
		b := uint64(1) << i
		if k := p.anchor + 1; k < len(p.steps) {
			st := &p.steps[k]
			switch st.kind {
			case stepSet:
				pl.fDep |= b
				pl.fwd.add(st, b)
			case stepEnd:
				pl.fDep |= b
				pl.fBrk |= b
				pl.fwd.addID(conj, b, 0)
			case stepColon:
				pl.fFree |= b
				pl.fColon |= b
			default: // $start after the anchor never matches
				pl.fDep |= b
			}
		} else {
			pl.fFree |= b
		}
		if k := p.anchor - 1; k >= 0 {
			st := &p.steps[k]
			pl.bDep |= b
			if p.anchor+1 == len(p.steps) {
				pl.bOnly |= b
			}
			switch st.kind {
			case stepSet:
				pl.back.add(st, b)
			case stepStart:
				pl.bStart |= b
			}
			// $end or $colon before the anchor never match.
		}
	}
	return pl
}

// candidates returns the patterns of pl (as bits) that may match around
// the anchor held by w: the others fail in match. It follows match through
// the first word-set step in each direction, over at most two words.
func (pl *patPlan) candidates(v *vocabulary, w *window) uint64 {
	cand := pl.fFree
	if pl.fColon != 0 && !colonAfter(w.text, w.fwd[0].e) {
		cand &^= pl.fColon
	}
	if pl.fDep != 0 {
		if t := w.fwdTok(1); t == nil || t.brk {
			cand |= pl.fBrk
		} else {
			hit, fill := pl.fwd.hits(w.mask(v, t))
			if fill &^= hit; fill != 0 {
				// The word may fill the gap: the next one must complete
				// the step or fill a longer gap.
				if t := w.fwdTok(2); t != nil && !t.brk {
					hit2, fill2 := pl.fwd.hits(w.mask(v, t))
					hit |= fill & (hit2 | fill2&pl.fwd.gap2)
				}
			}
			cand |= hit
		}
	}
	// The word before the anchor is read for a pattern that needs it
	// first; a pattern that looks forward first may fail there, before
	// match reads it.
	if cand&pl.bOnly != 0 || cand&pl.bDep != 0 && (w.nb >= 3 || w.bdone) {
		ok := ^pl.bDep
		t := w.backTok(1)
		if w.sentenceStart() {
			ok |= pl.bStart
		} else if t != nil {
			hit, fill := pl.back.hits(w.mask(v, t))
			if fill &^= hit; fill != 0 && !t.brk {
				if t := w.backTok(2); t != nil {
					hit2, fill2 := pl.back.hits(w.mask(v, t))
					hit |= fill & (hit2 | fill2&pl.back.gap2)
				}
			}
			ok |= hit
		}
		cand &= ok
	}
	return cand
}

// buildPlans fills the plans and packed words of the anchor entries.
func (e *engine) buildPlans() {
	for _, list := range e.anchors {
		for i := range list {
			ent := &list[i]
			ent.w8 = pack8(ent.word[:min(8, len(ent.word))])
			ent.m8 = ^uint64(0) >> (64 - 8*min(8, len(ent.word)))
			var prompt, all []*pattern
			for _, pi := range ent.pats {
				p := e.pats[pi]
				all = append(all, p)
				if !p.indirect {
					prompt = append(prompt, p)
				}
			}
			ent.plans = [2]*patPlan{newPatPlan(prompt, e.conj), newPatPlan(all, e.conj)}
		}
	}
}

// packLW packs the first eight bytes of the lower-case word lw (fewer for
// a shorter word) little-endian into a uint64, as pack8.
func packLW(lw []byte) uint64 {
	if cap(lw) >= 8 {
		x := binary.LittleEndian.Uint64(lw[:8:8])
		return x & (^uint64(0) >> ((64 - 8*min(8, len(lw))) & 63))
	}
	var b [8]byte
	copy(b[:], lw)
	return binary.LittleEndian.Uint64(b[:])
}

// anchorPlans checks the patterns anchored on the word text[s:e], whose
// lower-case form is lw (see anchor).
func (st *scanState) anchorPlans(s, e int, lw []byte) {
	// The entries of words that start like lw; the checks below keep
	// those that match it.
	ents := st.e.anchorsOf(lw)
	if st.e.exhaustive {
		ents = st.e.anchors[string(lw[:min(3, len(lw))])]
	}
	if len(ents) == 0 {
		return
	}
	mode := 0
	if st.content {
		mode = 1
	}
	x := packLW(lw)
	ready := false
	for i := range ents {
		ent := &ents[i]
		if (x^ent.w8)&ent.m8 != 0 {
			continue
		}
		if ent.prefix {
			if len(lw) < len(ent.word) || len(ent.word) > 8 && string(lw[8:len(ent.word)]) != ent.word[8:] {
				continue
			}
		} else if len(lw) != len(ent.word) || len(lw) > 8 && string(lw[8:]) != ent.word[8:] {
			continue
		}
		if ent.rot13 {
			st.rot13(s)
			continue
		}
		for pl := ent.plans[mode]; pl != nil; pl = pl.next {
			if !ready {
				st.w.reset(st.text, s, e)
				ready = true
			}
			for cand := pl.candidates(st.e.vocab, &st.w); cand != 0; cand &= cand - 1 {
				p := pl.pats[bits.TrailingZeros64(cand)]
				ms, me, ok := p.match(st.e.vocab, &st.w, st.e.conj)
				if !ok {
					continue
				}
				conf := p.conf
				if p.check != ckNone {
					conf = st.check(p, ms, me, conf)
				}
				if conf >= minConfidence {
					st.emit(p.typ, ms, me, conf)
				}
			}
		}
	}
}
