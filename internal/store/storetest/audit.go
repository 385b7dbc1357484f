package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var auditTests = []subTest{
	{"AppendAssignsSeq", testAuditAppendAssignsSeq},
	{"EmptyBatch", testAuditEmptyBatch},
	{"DuplicateWithinBatch", testAuditDuplicateWithinBatch},
	{"DuplicateAcrossBatches", testAuditDuplicateAcrossBatches},
	{"EmptyID", testAuditEmptyID},
	{"Get", testAuditGet},
	{"List", testAuditList},
	{"Data", testAuditData},
}

// auditBatch returns n events with IDs prefix-0 … prefix-(n-1).
func auditBatch(prefix string, n int) []store.AuditEvent {
	evs := make([]store.AuditEvent, n)
	for i := range evs {
		evs[i] = newAuditEvent(fmt.Sprintf("%s-%d", prefix, i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	return evs
}

// Ensure batches get consecutive Seqs from 1, in the order given, and what
// AppendAuditEvents returns is what ListAuditEvents reads back.
func testAuditAppendAssignsSeq(t *testing.T, s store.Store) {
	a := auditBatch("a", 3)
	a[0].Seq = 99 // ignored: the store assigns Seq
	gotA := mustAppendAuditEvents(t, s, a...)
	gotB := mustAppendAuditEvents(t, s, auditBatch("b", 2)...)
	gotC := mustAppendAuditEvents(t, s, auditBatch("c", 1)...)

	want := append(auditBatch("a", 3), auditBatch("b", 2)...)
	want = append(want, auditBatch("c", 1)...)
	for i := range want {
		want[i].Seq = int64(i + 1)
	}
	got := append(append(gotA, gotB...), gotC...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendAuditEvents returned (-want +got):\n%s", diff)
	}
	listed := mustListAuditEvents(t, s, 0, 0)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("ListAuditEvents (-want +got):\n%s", diff)
	}
}

// Ensure an empty batch is a no-op that consumes no Seq.
func testAuditEmptyBatch(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, evs := range [][]store.AuditEvent{nil, {}} {
		got, err := s.AppendAuditEvents(ctx, evs)
		if err != nil {
			t.Fatalf("AppendAuditEvents(empty): %v", err)
		}
		if len(got) != 0 {
			t.Errorf("AppendAuditEvents(empty) returned %d events", len(got))
		}
	}
	got := mustAppendAuditEvents(t, s, auditBatch("a", 1)...)
	if got[0].Seq != 1 {
		t.Errorf("Seq after empty batches = %d, want 1", got[0].Seq)
	}
}

// Ensure a batch repeating an ID is refused whole: nothing stored, no Seq
// consumed.
func testAuditDuplicateWithinBatch(t *testing.T, s store.Store) {
	ctx := testContext(t)
	evs := auditBatch("a", 4)
	evs[3].ID = evs[1].ID
	if _, err := s.AppendAuditEvents(ctx, evs); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("AppendAuditEvents(duplicate in batch) = %v, want ErrAlreadyExists", err)
	}
	if listed := mustListAuditEvents(t, s, 0, 0); len(listed) != 0 {
		t.Fatalf("ListAuditEvents after a refused batch = Seqs %v, want none", seqs(listed))
	}
	for _, ev := range evs {
		if _, err := s.GetAuditEvent(ctx, ev.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAuditEvent(%s) after a refused batch = %v, want ErrNotFound", ev.ID, err)
		}
	}
	got := mustAppendAuditEvents(t, s, auditBatch("b", 2)...)
	if diff := cmp.Diff([]int64{1, 2}, seqs(got)); diff != "" {
		t.Errorf("Seqs after a refused batch (-want +got):\n%s", diff)
	}
}

// Ensure a batch reusing a stored ID is refused whole and the stored event
// is untouched.
func testAuditDuplicateAcrossBatches(t *testing.T, s store.Store) {
	ctx := testContext(t)
	first := mustAppendAuditEvents(t, s, auditBatch("a", 2)...)

	second := auditBatch("b", 3)
	second[2].ID = "a-1"
	second[2].Outcome = "deny"
	if _, err := s.AppendAuditEvents(ctx, second); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("AppendAuditEvents(stored ID) = %v, want ErrAlreadyExists", err)
	}
	if diff := cmp.Diff(first, mustListAuditEvents(t, s, 0, 0)); diff != "" {
		t.Errorf("log after a refused batch (-want +got):\n%s", diff)
	}
	got := mustAppendAuditEvents(t, s, auditBatch("c", 1)...)
	if got[0].Seq != 3 {
		t.Errorf("Seq after a refused batch = %d, want 3 (no gap)", got[0].Seq)
	}
}

// Ensure an event without an ID is refused with its whole batch.
func testAuditEmptyID(t *testing.T, s store.Store) {
	evs := auditBatch("a", 3)
	evs[2].ID = ""
	if _, err := s.AppendAuditEvents(testContext(t), evs); err == nil {
		t.Fatal("AppendAuditEvents(empty ID) succeeded, want an error")
	}
	if listed := mustListAuditEvents(t, s, 0, 0); len(listed) != 0 {
		t.Errorf("ListAuditEvents = Seqs %v, want none", seqs(listed))
	}
}

// Ensure an event is found by ID, and an unknown ID is ErrNotFound.
func testAuditGet(t *testing.T, s store.Store) {
	ctx := testContext(t)
	stored := mustAppendAuditEvents(t, s, auditBatch("a", 3)...)
	for _, want := range stored {
		got, err := s.GetAuditEvent(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetAuditEvent(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetAuditEvent(%s) (-want +got):\n%s", want.ID, diff)
		}
	}
	if _, err := s.GetAuditEvent(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAuditEvent(missing) = %v, want ErrNotFound", err)
	}
}

// Ensure afterSeq and limit page through the log.
func testAuditList(t *testing.T, s store.Store) {
	if evs := mustListAuditEvents(t, s, 0, 0); len(evs) != 0 {
		t.Fatalf("ListAuditEvents on an empty log = %d events", len(evs))
	}
	all := mustAppendAuditEvents(t, s, auditBatch("a", 10)...)
	tests := []struct {
		name     string
		afterSeq int64
		limit    int
		want     []int64
	}{
		{"all", 0, 0, seqRange(1, 10)},
		{"negative limit", 0, -3, seqRange(1, 10)},
		{"after", 6, 0, seqRange(7, 10)},
		{"limit", 0, 4, seqRange(1, 4)},
		{"after and limit", 2, 3, seqRange(3, 5)},
		{"after last", 10, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := mustListAuditEvents(t, s, tt.afterSeq, tt.limit)
			if diff := cmp.Diff(tt.want, seqs(evs), diffOpts...); diff != "" {
				t.Errorf("ListAuditEvents(%d, %d) Seqs (-want +got):\n%s", tt.afterSeq, tt.limit, diff)
			}
		})
	}

	var paged []store.AuditEvent
	for after := int64(0); ; {
		evs := mustListAuditEvents(t, s, after, 3)
		if len(evs) == 0 {
			break
		}
		paged = append(paged, evs...)
		after = evs[len(evs)-1].Seq
	}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("paged events (-want +got):\n%s", diff)
	}
}

// Ensure event bodies come back byte for byte (the hash chain depends on
// it), and a nil or empty body is accepted and comes back empty.
func testAuditData(t *testing.T, s store.Store) {
	ctx := testContext(t)
	tests := []struct {
		name string
		data []byte
	}{
		// Not normalised: key order, spacing and duplicate keys survive.
		{"json as written", []byte(`{"b": 1,  "a":[1,2] , "a": "dup"}`)},
		{"binary", []byte{0x00, 0xff, 0x80, 0x7f}},
		{"nil", nil},
		{"empty", []byte{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newAuditEvent(fmt.Sprintf("ev-%d", i), t0)
			ev.Data = tt.data
			stored := mustAppendAuditEvents(t, s, ev)
			got, err := s.GetAuditEvent(ctx, ev.ID)
			if err != nil {
				t.Fatalf("GetAuditEvent: %v", err)
			}
			if diff := cmp.Diff(tt.data, got.Data, diffOpts...); diff != "" {
				t.Errorf("stored Data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.data, stored[0].Data, diffOpts...); diff != "" {
				t.Errorf("returned Data (-want +got):\n%s", diff)
			}
		})
	}
}
