package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var checkpointTests = []subTest{
	{"Empty", testCheckpointsEmpty},
	{"AddListLatest", testCheckpointsAddListLatest},
	{"Idempotent", testCheckpointsIdempotent},
	{"Conflict", testCheckpointsConflict},
	{"Invalid", testCheckpointsInvalid},
	{"Concurrent", testCheckpointsConcurrent},
}

// Ensure a fresh store has no checkpoints and says so with ErrNotFound.
func testCheckpointsEmpty(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if _, err := s.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestCheckpoint on a fresh store: %v, want ErrNotFound", err)
	}
	if cs, err := s.ListCheckpoints(ctx); err != nil || len(cs) != 0 {
		t.Errorf("ListCheckpoints on a fresh store = %d, %v; want none", len(cs), err)
	}
}

// Ensure checkpoints added in any order are listed by size with their
// bytes unchanged, and the latest is the largest.
func testCheckpointsAddListLatest(t *testing.T, s store.Store) {
	ctx := testContext(t)
	notes := map[int64][]byte{
		5:    []byte("log/audit\n5\nAAAA\n\n— sig\x00\xff\n"),
		0:    []byte("log/audit\n0\nBBBB\n"),
		1000: []byte("log/audit\n1000\nCCCC\n"),
		3:    []byte("log/audit\n3\nDDDD\n"),
	}
	for _, size := range []int64{5, 0, 1000, 3} {
		if err := s.AddCheckpoint(ctx, size, notes[size]); err != nil {
			t.Fatalf("AddCheckpoint(%d): %v", size, err)
		}
	}
	cs, err := s.ListCheckpoints(ctx)
	if err != nil {
		t.Fatalf("ListCheckpoints: %v", err)
	}
	var sizes []int64
	for _, c := range cs {
		sizes = append(sizes, c.Size)
		if diff := cmp.Diff(notes[c.Size], c.Note); diff != "" {
			t.Errorf("note of size %d (-want +got):\n%s", c.Size, diff)
		}
		if c.CreatedAt.IsZero() || c.CreatedAt.Location() != time.UTC {
			t.Errorf("checkpoint %d: CreatedAt %v, want a UTC time", c.Size, c.CreatedAt)
		}
	}
	if diff := cmp.Diff([]int64{0, 3, 5, 1000}, sizes); diff != "" {
		t.Errorf("ListCheckpoints sizes (-want +got):\n%s", diff)
	}
	latest, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatalf("LatestCheckpoint: %v", err)
	}
	if latest.Size != 1000 || string(latest.Note) != string(notes[1000]) {
		t.Errorf("LatestCheckpoint = %d %q, want size 1000", latest.Size, latest.Note)
	}
}

// Ensure adding the same note for a size again succeeds and stores one.
func testCheckpointsIdempotent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	n := []byte("log/audit\n7\nAAAA\n")
	for i := range 3 {
		if err := s.AddCheckpoint(ctx, 7, n); err != nil {
			t.Fatalf("AddCheckpoint #%d: %v", i+1, err)
		}
	}
	cs, err := s.ListCheckpoints(ctx)
	if err != nil {
		t.Fatalf("ListCheckpoints: %v", err)
	}
	if len(cs) != 1 || cs[0].Size != 7 {
		t.Errorf("ListCheckpoints = %+v, want one checkpoint of size 7", cs)
	}
}

// Ensure a different note for a stored size is refused with
// ErrAlreadyExists and the first note stays.
func testCheckpointsConflict(t *testing.T, s store.Store) {
	ctx := testContext(t)
	first := []byte("log/audit\n7\nAAAA\n")
	if err := s.AddCheckpoint(ctx, 7, first); err != nil {
		t.Fatalf("AddCheckpoint: %v", err)
	}
	if err := s.AddCheckpoint(ctx, 7, []byte("log/audit\n7\nBBBB\n")); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("AddCheckpoint(different note) = %v, want ErrAlreadyExists", err)
	}
	latest, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatalf("LatestCheckpoint: %v", err)
	}
	if string(latest.Note) != string(first) {
		t.Errorf("stored note = %q, want the first %q", latest.Note, first)
	}
}

// Ensure a negative size or an empty note is refused and stores nothing.
func testCheckpointsInvalid(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.AddCheckpoint(ctx, -1, []byte("n")); err == nil {
		t.Error("AddCheckpoint(size -1) succeeded, want an error")
	}
	for _, n := range [][]byte{nil, {}} {
		if err := s.AddCheckpoint(ctx, 1, n); err == nil {
			t.Errorf("AddCheckpoint(note %#v) succeeded, want an error", n)
		}
	}
	if _, err := s.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestCheckpoint after refused adds: %v, want ErrNotFound", err)
	}
}

// Ensure replicas racing to add a size agree: the same note succeeds for
// all of them, and of different notes exactly one is stored.
func testCheckpointsConcurrent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const callers = 8
	same := make([]error, callers)
	diff := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			same[i] = s.AddCheckpoint(ctx, 10, []byte("log/audit\n10\nSAME\n"))
			diff[i] = s.AddCheckpoint(ctx, 20, fmt.Appendf(nil, "log/audit\n20\ncandidate-%d\n", i))
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if same[i] != nil {
			t.Errorf("caller %d: AddCheckpoint(same note): %v", i, same[i])
		}
	}
	checkOneWinner(t, diff, store.ErrAlreadyExists, "AddCheckpoint callers with their own note for one size")
	cs, err := s.ListCheckpoints(ctx)
	if err != nil {
		t.Fatalf("ListCheckpoints: %v", err)
	}
	if len(cs) != 2 {
		t.Errorf("ListCheckpoints = %d checkpoints, want 2", len(cs))
	}
}
