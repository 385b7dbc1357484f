package tlog

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// synth returns events 1..n as the store would return them.
func synth(n int) []store.AuditEvent {
	evs := make([]store.AuditEvent, n)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	types := []string{"chat.completion", "auth.signin", "request.refused", "token.issued"}
	for i := range evs {
		evs[i] = store.AuditEvent{
			Seq:       int64(i + 1),
			ID:        fmt.Sprintf("ev_%016x", i+1),
			Time:      t0.Add(time.Duration(i) * time.Millisecond),
			Type:      types[i%len(types)],
			RequestID: fmt.Sprintf("req_%d", i/3),
			Outcome:   "success",
			Actor:     "user" + fmt.Sprint(i%17) + "@example.com",
			App:       "app-1",
			Agent:     "agent-" + fmt.Sprint(i%5),
			Data:      fmt.Appendf(nil, `{"model":"gpt","prompt_tokens":%d,"completion_tokens":%d,"findings":[]}`, i%1000, i%777),
		}
	}
	return evs
}

// logOf builds the tree of evs and checkpoints of it every `every` events.
func logOf(t testing.TB, evs []store.AuditEvent, every int) (*Tree, []Checkpoint) {
	t.Helper()
	tr := &Tree{}
	var cps []Checkpoint
	for _, ev := range evs {
		if _, err := tr.AppendEvent(ev); err != nil {
			t.Fatal(err)
		}
		if tr.Size()%int64(every) == 0 {
			cps = append(cps, Checkpoint{Origin: testOrigin, Size: tr.Size(), Hash: tr.Root()})
		}
	}
	return tr, cps
}

// Ensure an untouched log verifies, and the report counts what is signed.
func TestVerifyIntact(t *testing.T) {
	evs := synth(105)
	tr, cps := logOf(t, evs, 10)
	for _, opts := range []Options{{}, {Stored: tr}, {External: cps[:3]}} {
		r, err := VerifyWith(Events(evs), cps, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := Report{Size: 105, Signed: 100, Unsigned: 5, Root: tr.Root(), Checkpoints: 10}
		if r != want {
			t.Errorf("report %+v, want %+v", r, want)
		}
	}
	if r, err := Verify(Events(nil), nil); err != nil || r.Size != 0 || r.Root != emptyRoot {
		t.Errorf("empty log: %+v, %v", r, err)
	}
	if _, err := Verify(Events(nil), []Checkpoint{{Origin: testOrigin, Hash: emptyRoot}}); err != nil {
		t.Errorf("empty log, empty checkpoint: %v", err)
	}
}

// Ensure each kind of tampering is reported as that kind, at the right
// events: exactly where the Seqs or the stored hashes allow, else as the
// range between the checkpoints.
func TestVerifyTampering(t *testing.T) {
	orig := synth(100)
	tr, cps := logOf(t, orig, 10) // checkpoints at 10, 20, ..., 100

	edit := func(k int, f func(*store.AuditEvent)) []store.AuditEvent {
		evs := slices.Clone(orig)
		f(&evs[k-1])
		return evs
	}
	renumber := func(evs []store.AuditEvent) []store.AuditEvent {
		for i := range evs {
			evs[i].Seq = int64(i + 1)
		}
		return evs
	}
	// rewritten is a tree recomputed over tampered events, as an attacker
	// with write access to the stored hashes would leave it.
	rewritten := func(evs []store.AuditEvent) *Tree { tr, _ := logOf(t, evs, 10); return tr }
	edited37 := edit(37, func(e *store.AuditEvent) { e.Actor = "mallory" })

	type tc struct {
		name        string
		evs         []store.AuditEvent
		inDB        []Checkpoint
		opts        Options
		kind        Kind
		first, last int64
	}
	cases := []tc{
		{name: "edit, no stored hashes", evs: edited37, inDB: cps, kind: KindEdited, first: 31, last: 40},
		{name: "edit, stored hashes", evs: edited37, inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "edit, stored hashes rewritten too", evs: edited37, inDB: cps, opts: Options{Stored: rewritten(edited37)}, kind: KindEdited, first: 31, last: 40},
		{name: "edit first event", evs: edit(1, func(e *store.AuditEvent) { e.Outcome = "denied" }), inDB: cps, kind: KindEdited, first: 1, last: 10},
		{name: "edit last signed event", evs: edit(100, func(e *store.AuditEvent) { e.Outcome = "denied" }), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 100, last: 100},
		{name: "delete", evs: slices.Delete(slices.Clone(orig), 36, 37), inDB: cps, kind: KindDeleted, first: 37, last: 37},
		{name: "delete three", evs: slices.Delete(slices.Clone(orig), 36, 39), inDB: cps, kind: KindDeleted, first: 37, last: 39},
		{name: "delete first", evs: slices.Delete(slices.Clone(orig), 0, 1), inDB: cps, kind: KindDeleted, first: 1, last: 1},
		{name: "delete and renumber", evs: renumber(slices.Delete(slices.Clone(orig), 36, 37)), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "insert duplicate seq", evs: slices.Insert(slices.Clone(orig), 37, store.AuditEvent{Seq: 37, ID: "ev_forged"}), inDB: cps, kind: KindInserted, first: 37, last: 37},
		{name: "insert seq 0", evs: slices.Insert(slices.Clone(orig), 0, store.AuditEvent{Seq: 0, ID: "ev_forged"}), inDB: cps, kind: KindInserted, first: 1, last: 1},
		{name: "insert and renumber", evs: renumber(slices.Insert(slices.Clone(orig), 36, store.AuditEvent{ID: "ev_forged"})), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "swap adjacent", evs: swap(orig, 36, 37), inDB: cps, kind: KindReordered, first: 37, last: 37},
		{name: "move later", evs: move(orig, 36, 40), inDB: cps, kind: KindReordered, first: 37, last: 37},
		{name: "move earlier", evs: move(orig, 40, 36), inDB: cps, kind: KindReordered, first: 37, last: 40},
		{name: "swap and renumber", evs: renumber(swap(orig, 36, 37)), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "truncate", evs: orig[:95], inDB: cps, kind: KindTruncated, first: 96, last: 100},
		{name: "truncate at a checkpoint", evs: orig[:90], inDB: cps, opts: Options{External: cps[:9]}, kind: KindTruncated, first: 91, last: 100},
		{name: "roll back", evs: orig[:80], inDB: cps[:8], opts: Options{External: cps}, kind: KindRolledBack, first: 81, last: 100},
		{name: "roll back between checkpoints", evs: orig[:85], inDB: cps[:8], opts: Options{External: cps[8:]}, kind: KindRolledBack, first: 86, last: 100},
		{name: "roll back and write on (fork)", evs: slices.Concat(orig[:80], renumberFrom(synth(20), 81)), inDB: cps[:8], opts: Options{External: cps}, kind: KindEdited, first: 81, last: 90},
		{name: "edit before a gap, stored hashes", evs: slices.Delete(edit(37, func(e *store.AuditEvent) { e.Data = []byte("{}") }), 38, 39), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "edit before a gap, no stored hashes", evs: slices.Delete(edit(37, func(e *store.AuditEvent) { e.Data = []byte("{}") }), 38, 39), inDB: cps, kind: KindDeleted, first: 39, last: 39},
		{name: "edit then truncate, stored hashes", evs: edited37[:38], inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 37, last: 37},
		{name: "conflicting checkpoints", evs: orig, inDB: cps, opts: Options{External: []Checkpoint{{Origin: testOrigin, Size: 50, Hash: cps[0].Hash}}}, kind: KindConflict, first: 50, last: 50},
	}
	// Every field of an event is covered.
	for _, f := range []struct {
		name string
		f    func(*store.AuditEvent)
	}{
		{"id", func(e *store.AuditEvent) { e.ID = "ev_other" }},
		{"time", func(e *store.AuditEvent) { e.Time = e.Time.Add(-time.Second) }},
		{"type", func(e *store.AuditEvent) { e.Type = "auth.logout" }},
		{"request id", func(e *store.AuditEvent) { e.RequestID = "req_x" }},
		{"outcome", func(e *store.AuditEvent) { e.Outcome = "denied" }},
		{"actor", func(e *store.AuditEvent) { e.Actor = "" }},
		{"app", func(e *store.AuditEvent) { e.App = "app-2" }},
		{"agent", func(e *store.AuditEvent) { e.Agent = "agent-x" }},
		{"data", func(e *store.AuditEvent) { e.Data = e.Data[:len(e.Data)-1] }},
	} {
		cases = append(cases, tc{name: "edit " + f.name, evs: edit(55, f.f), inDB: cps, opts: Options{Stored: tr}, kind: KindEdited, first: 55, last: 55})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := VerifyWith(Events(c.evs), c.inDB, c.opts)
			var te *TamperError
			if !errors.As(err, &te) || !errors.Is(err, ErrTampered) {
				t.Fatalf("Verify = %v, want a TamperError", err)
			}
			if te.Kind != c.kind || te.First != c.first || te.Last != c.last {
				t.Errorf("Verify = %s %d..%d (%v), want %s %d..%d", te.Kind, te.First, te.Last, err, c.kind, c.first, c.last)
			}
		})
	}

	// Appending after the last checkpoint is not tampering: it is
	// unsigned until the next checkpoint.
	more := slices.Concat(orig, renumberFrom(synth(3), 101))
	if r, err := Verify(Events(more), cps); err != nil || r.Unsigned != 3 {
		t.Errorf("appended: %+v, %v", r, err)
	}
}

func swap(evs []store.AuditEvent, i, j int) []store.AuditEvent {
	out := slices.Clone(evs)
	out[i], out[j] = out[j], out[i]
	return out
}

// move takes the event at from and puts it at to.
func move(evs []store.AuditEvent, from, to int) []store.AuditEvent {
	out := slices.Clone(evs)
	ev := out[from]
	out = slices.Delete(out, from, from+1)
	return slices.Insert(out, to, ev)
}

func renumberFrom(evs []store.AuditEvent, first int64) []store.AuditEvent {
	for i := range evs {
		evs[i].Seq = first + int64(i)
	}
	return evs
}

// Ensure errors reading events and checkpoints of different logs are not
// mistaken for tampering.
func TestVerifyOtherErrors(t *testing.T) {
	evs := synth(20)
	_, cps := logOf(t, evs, 10)
	boom := errors.New("boom")
	failing := func(yield func(store.AuditEvent, error) bool) {
		for _, ev := range evs[:5] {
			if !yield(ev, nil) {
				return
			}
		}
		yield(store.AuditEvent{}, boom)
	}
	if _, err := Verify(failing, cps); !errors.Is(err, boom) || errors.Is(err, ErrTampered) {
		t.Errorf("read error: %v", err)
	}
	mixed := []Checkpoint{cps[0], {Origin: "other.example/audit", Size: 20, Hash: cps[1].Hash}}
	if _, err := Verify(Events(evs), mixed); !errors.Is(err, ErrWrongOrigin) {
		t.Errorf("mixed origins: %v", err)
	}
}

// Ensure every inclusion proof verifies against a checkpoint, and none
// does once the proof, the leaf, the index or the checkpoint is altered.
func TestInclusionProofs(t *testing.T) {
	evs := synth(37)
	tr, _ := logOf(t, evs, 1000)
	for _, size := range []int64{1, 2, 3, 8, 13, 32, 37} {
		c := Checkpoint{Origin: testOrigin, Size: size}
		c.Hash, _ = tr.RootAt(size)
		for i := range size {
			p, err := tr.ProveInclusion(i, size)
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := EventHash(evs[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckInclusion(p, leaf, i, c); err != nil {
				t.Fatalf("leaf %d of %d: %v", i, size, err)
			}
			bad := func(name string, p InclusionProof, leaf Hash, i int64, c Checkpoint) {
				if err := CheckInclusion(p, leaf, i, c); !errors.Is(err, ErrProof) {
					t.Errorf("leaf %d of %d, %s: %v, want ErrProof", i, size, name, err)
				}
			}
			other := evs[i]
			other.Outcome = "denied"
			otherLeaf, _ := EventHash(other)
			bad("edited event", p, otherLeaf, i, c)
			bad("other index", p, leaf, (i+1)%size+boolInt(size == 1), c)
			c2 := c
			c2.Hash[0] ^= 1
			bad("other root", p, leaf, i, c2)
			if len(p) > 0 {
				p2 := slices.Clone(p)
				p2[len(p2)-1][31] ^= 1
				bad("tampered proof", p2, leaf, i, c)
				bad("short proof", p[:len(p)-1], leaf, i, c)
			}
			bad("long proof", append(slices.Clone(p), Hash{}), leaf, i, c)
		}
	}
	if _, err := tr.ProveInclusion(37, 37); !errors.Is(err, ErrIndex) {
		t.Errorf("leaf past the end: %v", err)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Ensure consistency proofs verify between every pair of sizes, and that
// an old checkpoint refuses a rewritten log.
func TestConsistencyProofs(t *testing.T) {
	evs := synth(21)
	tr, _ := logOf(t, evs, 1000)
	ck := func(tr *Tree, size int64) Checkpoint {
		h, err := tr.RootAt(size)
		if err != nil {
			t.Fatal(err)
		}
		return Checkpoint{Origin: testOrigin, Size: size, Hash: h}
	}
	for old := int64(0); old <= 21; old++ {
		for size := old; size <= 21; size++ {
			p, err := tr.ProveConsistency(old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckConsistency(p, ck(tr, old), ck(tr, size)); err != nil {
				t.Fatalf("%d→%d: %v", old, size, err)
			}
			if len(p) > 0 {
				p2 := slices.Clone(p)
				p2[0][0] ^= 1
				if err := CheckConsistency(p2, ck(tr, old), ck(tr, size)); !errors.Is(err, ErrProof) {
					t.Errorf("%d→%d tampered proof: %v", old, size, err)
				}
			}
		}
	}
	// A log rewritten at event 5 (an old checkpoint of 8 kept outside)
	// cannot prove it extends the old checkpoint.
	evs2 := slices.Clone(evs)
	evs2[4].Actor = "mallory"
	tr2, _ := logOf(t, evs2, 1000)
	old := ck(tr, 8)
	for size := int64(8); size <= 21; size++ {
		p, err := tr2.ProveConsistency(8, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckConsistency(p, old, ck(tr2, size)); !errors.Is(err, ErrProof) {
			t.Errorf("rewritten log, 8→%d: %v, want ErrProof", size, err)
		}
	}
	if err := CheckConsistency(nil, ck(tr, 9), ck(tr, 8)); !errors.Is(err, ErrProof) {
		t.Errorf("shrinking tree: %v", err)
	}
	other := ck(tr, 9)
	other.Origin = "other.example/audit"
	if err := CheckConsistency(nil, ck(tr, 8), other); !errors.Is(err, ErrWrongOrigin) {
		t.Errorf("other log: %v", err)
	}
}

// Ensure the tree is safe for concurrent readers and one appender.
func TestTreeConcurrent(t *testing.T) {
	tr := &Tree{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 500 {
			if _, err := tr.Append(LeafHash([]byte{byte(i)})); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		n := tr.Size()
		if n > 0 {
			if _, err := tr.ProveInclusion(n-1, n); err != nil {
				t.Fatal(err)
			}
		}
	}
	<-done
	if tr.Size() != 500 {
		t.Errorf("size %d", tr.Size())
	}
}
