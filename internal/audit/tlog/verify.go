package tlog

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"slices"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/palisade-gw/palisade/internal/store"
)

// ErrTampered is what every *TamperError matches with errors.Is: the log
// does not match what its checkpoints signed.
var ErrTampered = errors.New("tlog: audit log tampered with")

// Kind says what Verify found wrong with the log. The rules are in the
// package documentation.
type Kind int

// Kinds of tampering, see the package documentation for how each is told.
const (
	// KindEdited: an event's content differs from what a checkpoint signed.
	KindEdited Kind = iota + 1
	// KindDeleted: events are missing (a gap in Seq).
	KindDeleted
	// KindInserted: an event that was not written by the store (a repeated
	// or impossible Seq).
	KindInserted
	// KindReordered: events are out of Seq order.
	KindReordered
	// KindTruncated: events are missing at the end, though the database's
	// own checkpoints signed them.
	KindTruncated
	// KindRolledBack: the database is a consistent older copy of the log
	// that a checkpoint kept outside it has gone past.
	KindRolledBack
	// KindConflict: two checkpoints sign different trees of one size.
	KindConflict
)

// String returns the kind's name as reports print it.
func (k Kind) String() string {
	switch k {
	case KindEdited:
		return "edited"
	case KindDeleted:
		return "deleted"
	case KindInserted:
		return "inserted"
	case KindReordered:
		return "reordered"
	case KindTruncated:
		return "truncated"
	case KindRolledBack:
		return "rolled back"
	case KindConflict:
		return "conflicting checkpoints"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// TamperError describes the first problem Verify found. It matches
// ErrTampered with errors.Is.
type TamperError struct {
	Kind Kind
	// First and Last are the Seqs between which (inclusive) the problem
	// lies. They are equal when Verify could pinpoint the event; an edit
	// found only through a checkpoint's root is known only up to the range
	// of events that checkpoint added.
	First, Last int64
	// Checkpoint is the checkpoint the log contradicts, if any (Size 0 and
	// empty Origin otherwise), and External whether it was kept outside
	// the database.
	Checkpoint Checkpoint
	External   bool
	// Detail explains the finding in a sentence.
	Detail string
}

// Error describes the finding.
func (e *TamperError) Error() string {
	pos := fmt.Sprintf("event %d", e.First)
	if e.Last != e.First {
		pos = fmt.Sprintf("events %d to %d", e.First, e.Last)
	}
	return fmt.Sprintf("audit log %s at %s: %s", e.Kind, pos, e.Detail)
}

// Unwrap returns ErrTampered.
func (e *TamperError) Unwrap() error { return ErrTampered }

// Exact reports whether the error names one event.
func (e *TamperError) Exact() bool { return e.First == e.Last }

// Options are the optional inputs of VerifyWith.
type Options struct {
	// External are checkpoints kept outside the database (a directory, a
	// webhook's receiver). A database restored from an old copy loses the
	// checkpoints it held since; these survive, and reveal the rollback.
	External []Checkpoint
	// Stored reads the tree hashes the store kept along with the events,
	// if it keeps them. They are never trusted on their own: only when
	// they reproduce a checkpoint's root are they used, to name the exact
	// edited event instead of a range.
	Stored HashReader
}

// Report summarizes a verified log.
type Report struct {
	// Size is the number of events read.
	Size int64
	// Signed is the number of events covered by a matching checkpoint (the
	// largest checkpoint's size); Unsigned the events after it, which no
	// checkpoint covers yet.
	Signed, Unsigned int64
	// Root is the root of the tree of all Size events.
	Root Hash
	// Checkpoints is the number of distinct checkpoints checked.
	Checkpoints int
}

// Events returns an iterator over evs, for Verify.
func Events(evs []store.AuditEvent) iter.Seq2[store.AuditEvent, error] {
	return func(yield func(store.AuditEvent, error) bool) {
		for _, ev := range evs {
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// Verify checks the log against checkpoints kept in the database with it:
// events must be every event of the log, as the store returns them (in
// Seq order), and stops at the first error the iterator yields. It returns
// a *TamperError for the first problem found (see the package
// documentation for the rules), another error if the events could not be
// read or encoded, or a Report when the log matches every checkpoint.
func Verify(events iter.Seq2[store.AuditEvent, error], checkpoints []Checkpoint) (Report, error) {
	return VerifyWith(events, checkpoints, Options{})
}

// anchor is a checkpoint with where it was kept.
type anchor struct {
	Checkpoint
	external bool
}

// VerifyWith is Verify with checkpoints kept outside the database and the
// store's hashes, see Options.
func VerifyWith(events iter.Seq2[store.AuditEvent, error], checkpoints []Checkpoint, opts Options) (Report, error) {
	anchors, maxInDB, maxExternal, err := anchorsOf(checkpoints, opts.External)
	if err != nil {
		return Report{}, err
	}
	v := verifier{anchors: anchors, stored: opts.Stored}
	for ev, err := range events {
		if err != nil {
			return v.report(), fmt.Errorf("tlog: read audit events after %d: %w", v.n, err)
		}
		if err := v.add(ev); err != nil {
			return v.report(), err
		}
	}
	if v.gap != nil {
		return v.report(), v.beforeSeqError(v.gap)
	}
	if v.next < len(v.anchors) {
		// Checkpoints past the end: the log is a prefix of a longer one.
		if err := v.pinpoint(v.anchors[v.next]); err != nil {
			return v.report(), err
		}
		if maxInDB > v.n {
			return v.report(), &TamperError{Kind: KindTruncated, First: v.n + 1, Last: maxInDB,
				Checkpoint: largest(checkpoints),
				Detail:     fmt.Sprintf("the log ends at %d events, and its own checkpoint signed %d", v.n, maxInDB)}
		}
		return v.report(), &TamperError{Kind: KindRolledBack, First: v.n + 1, Last: maxExternal,
			Checkpoint: largest(opts.External), External: true,
			Detail: fmt.Sprintf("the database holds %d events, consistent with its checkpoints, and a checkpoint kept outside it signed %d: it is an older copy", v.n, maxExternal)}
	}
	return v.report(), nil
}

// anchorsOf merges the checkpoints, sorted by size, one per size, and
// returns the largest size of each source. Checkpoints of one size must
// agree, and all must be of one log.
func anchorsOf(inDB, external []Checkpoint) (as []anchor, maxInDB, maxExternal int64, err error) {
	for _, c := range inDB {
		as = append(as, anchor{c, false})
		maxInDB = max(maxInDB, c.Size)
	}
	for _, c := range external {
		as = append(as, anchor{c, true})
		maxExternal = max(maxExternal, c.Size)
	}
	slices.SortStableFunc(as, func(a, b anchor) int { return cmp.Compare(a.Size, b.Size) })
	out := as[:0]
	for _, a := range as {
		if a.Origin != as[0].Origin {
			return nil, 0, 0, fmt.Errorf("%w: checkpoints of %q and %q", ErrWrongOrigin, as[0].Origin, a.Origin)
		}
		if a.Size < 0 {
			return nil, 0, 0, fmt.Errorf("%w: size %d", ErrMalformedCheckpoint, a.Size)
		}
		if len(out) > 0 && out[len(out)-1].Size == a.Size {
			if prev := out[len(out)-1]; prev.Hash != a.Hash {
				return nil, 0, 0, &TamperError{Kind: KindConflict, First: a.Size, Last: a.Size, Checkpoint: a.Checkpoint,
					External: a.external,
					Detail: fmt.Sprintf("two checkpoints sign different trees of %d events (roots %s and %s): the key signed two histories",
						a.Size, prev.Hash, a.Hash)}
			}
			continue // the same tree head twice: keep the first
		}
		if a.Size == 0 {
			if a.Hash != emptyRoot {
				return nil, 0, 0, &TamperError{Kind: KindConflict, First: 0, Last: 0, Checkpoint: a.Checkpoint, External: a.external,
					Detail: "a checkpoint of the empty log with a non-empty root"}
			}
			continue // says nothing about any event
		}
		out = append(out, a)
	}
	return out, maxInDB, maxExternal, nil
}

// reorderWindow is how many events after a Seq gap Verify reads looking
// for the missing event, to tell a reorder from a deletion.
const reorderWindow = 1024

// verifier is the state of one Verify run. It keeps the right edge of the
// tree (one hash per 1 bit of n, the roots of the perfect subtrees that
// make up the first n leaves), so memory stays O(log n) and the root at
// the current size costs O(log n) node hashes.
type verifier struct {
	anchors []anchor
	next    int   // index of the first anchor not yet reached
	n       int64 // leaves so far
	edge    []Hash
	buf     []byte
	// good is the size of the last anchor that matched.
	good int64
	// leaves are the leaf hashes since good, kept only when stored hashes
	// may pinpoint an edit.
	stored HashReader
	leaves []Hash
	// gap is a Seq gap seen, decided by the events that follow: a missing
	// event that turns up within reorderWindow events is a reorder, else
	// a deletion. lookahead counts the events read since the gap.
	gap       *TamperError
	lookahead int
	// prevSeq is the Seq of the last event read.
	prevSeq int64
}

func (v *verifier) add(ev store.AuditEvent) error {
	want := v.n + 1
	if v.gap != nil {
		// Seqs gap.First..gap.Last were skipped: if one turns up soon
		// the events were reordered, else deleted.
		if ev.Seq >= v.gap.First && ev.Seq <= v.gap.Last {
			v.gap.Kind = KindReordered
			v.gap.Detail = fmt.Sprintf("event %d comes after event %d", ev.Seq, v.prevSeq)
			return v.beforeSeqError(v.gap)
		}
		v.prevSeq = ev.Seq
		if v.lookahead++; v.lookahead >= reorderWindow {
			return v.beforeSeqError(v.gap)
		}
		return nil
	}
	switch {
	case ev.Seq == want:
	case ev.Seq > want:
		v.gap = &TamperError{Kind: KindDeleted, First: want, Last: ev.Seq - 1,
			Detail: fmt.Sprintf("the log skips from event %d to event %d", v.n, ev.Seq)}
		v.prevSeq = ev.Seq
		return nil
	case ev.Seq == v.prevSeq && v.n > 0:
		return v.beforeSeqError(&TamperError{Kind: KindInserted, First: ev.Seq, Last: ev.Seq,
			Detail: fmt.Sprintf("a second event %d (id %q)", ev.Seq, ev.ID)})
	case ev.Seq < 1:
		return v.beforeSeqError(&TamperError{Kind: KindInserted, First: want, Last: want,
			Detail: fmt.Sprintf("an event with impossible Seq %d (id %q)", ev.Seq, ev.ID)})
	default:
		return v.beforeSeqError(&TamperError{Kind: KindReordered, First: ev.Seq, Last: ev.Seq,
			Detail: fmt.Sprintf("event %d comes after event %d", ev.Seq, v.prevSeq)})
	}
	v.prevSeq = ev.Seq

	var err error
	v.buf, err = AppendEvent(v.buf[:0], ev)
	if err != nil {
		return err
	}
	leaf := LeafHash(v.buf)
	if v.stored != nil {
		v.leaves = append(v.leaves, leaf)
	}
	v.appendLeaf(leaf)

	for v.next < len(v.anchors) && v.anchors[v.next].Size == v.n {
		a := v.anchors[v.next]
		if v.root() != a.Hash {
			if err := v.pinpoint(a); err != nil {
				return err
			}
			return &TamperError{Kind: KindEdited, First: v.good + 1, Last: v.n, Checkpoint: a.Checkpoint, External: a.external,
				Detail: fmt.Sprintf("the first %d events do not match the checkpoint of that size", v.n)}
		}
		v.good = v.n
		v.leaves = v.leaves[:0]
		v.next++
	}
	return nil
}

// appendLeaf adds a leaf to the right edge, merging the perfect subtrees
// it completes: one per trailing 1 bit of n, as in
// tlog.StoredHashesForRecordHash.
func (v *verifier) appendLeaf(leaf Hash) {
	h := leaf
	for i := v.n; i&1 == 1; i >>= 1 {
		h = tlog.NodeHash(v.edge[len(v.edge)-1], h)
		v.edge = v.edge[:len(v.edge)-1]
	}
	v.edge = append(v.edge, h)
	v.n++
}

// root returns the root of the tree of the first n leaves: the edge's
// subtree roots folded from the right, as RFC 6962's MTH recursion does.
func (v *verifier) root() Hash {
	if len(v.edge) == 0 {
		return emptyRoot
	}
	h := v.edge[len(v.edge)-1]
	for i := len(v.edge) - 2; i >= 0; i-- {
		h = tlog.NodeHash(v.edge[i], h)
	}
	return h
}

// beforeSeqError returns the edit that precedes a Seq problem, if the
// stored hashes can show one, else the Seq problem itself.
func (v *verifier) beforeSeqError(seqErr *TamperError) error {
	if v.next < len(v.anchors) {
		if err := v.pinpoint(v.anchors[v.next]); err != nil {
			return err
		}
	}
	return seqErr
}

// pinpoint returns a *TamperError naming the first leaf since the last
// matching checkpoint that differs from the stored hashes, if the stored
// hashes are authentic: if they reproduce a's root. Otherwise it returns
// nil, and the caller reports what it knows.
func (v *verifier) pinpoint(a anchor) error {
	if v.stored == nil || len(v.leaves) == 0 {
		return nil
	}
	if root, err := tlog.TreeHash(a.Size, v.stored); err != nil || root != a.Hash {
		return nil // missing or rewritten along with the events: no help
	}
	idx := make([]int64, len(v.leaves))
	for i := range idx {
		idx[i] = tlog.StoredHashIndex(0, v.good+int64(i))
	}
	want, err := v.stored.ReadHashes(idx)
	if err != nil || len(want) != len(idx) {
		return nil
	}
	for i, h := range v.leaves {
		if h != want[i] {
			seq := v.good + int64(i) + 1
			return &TamperError{Kind: KindEdited, First: seq, Last: seq, Checkpoint: a.Checkpoint, External: a.external,
				Detail: fmt.Sprintf("event %d differs from the one the checkpoint of %d events signed", seq, a.Size)}
		}
	}
	return nil
}

// largest returns the checkpoint of cs with the largest size.
func largest(cs []Checkpoint) Checkpoint {
	var c Checkpoint
	for _, x := range cs {
		if x.Size >= c.Size {
			c = x
		}
	}
	return c
}

func (v *verifier) report() Report {
	return Report{Size: v.n, Signed: v.good, Unsigned: v.n - v.good, Root: v.root(), Checkpoints: len(v.anchors)}
}
