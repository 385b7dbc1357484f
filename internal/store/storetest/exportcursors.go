package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/palisade-gw/palisade/internal/store"
)

var exportCursorTests = []subTest{
	{"Empty", testExportCursorsEmpty},
	{"SetGet", testExportCursorsSetGet},
	{"NeverBackwards", testExportCursorsNeverBackwards},
	{"Invalid", testExportCursorsInvalid},
	{"Concurrent", testExportCursorsConcurrent},
}

// Ensure a sink without a stored cursor reads as 0, without an error.
func testExportCursorsEmpty(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if seq, err := s.GetExportCursor(ctx, "siem"); err != nil || seq != 0 {
		t.Errorf("GetExportCursor on a fresh store = %d, %v; want 0, nil", seq, err)
	}
}

// Ensure a cursor set is read back, moves forward, and each sink has its
// own.
func testExportCursorsSetGet(t *testing.T, s store.Store) {
	ctx := testContext(t)
	steps := []struct {
		sink string
		seq  int64
	}{{"siem", 5}, {"syslog", 7}, {"siem", 500}, {"Siem", 1}, {"siem ü/é", 1 << 40}}
	for _, st := range steps {
		if err := s.SetExportCursor(ctx, st.sink, st.seq, t0); err != nil {
			t.Fatalf("SetExportCursor(%q, %d): %v", st.sink, st.seq, err)
		}
	}
	for sink, want := range map[string]int64{"siem": 500, "syslog": 7, "Siem": 1, "siem ü/é": 1 << 40, "other": 0} {
		if seq, err := s.GetExportCursor(ctx, sink); err != nil || seq != want {
			t.Errorf("GetExportCursor(%q) = %d, %v; want %d", sink, seq, err, want)
		}
	}
	// Setting the stored value again is accepted and changes nothing.
	if err := s.SetExportCursor(ctx, "siem", 500, t0.Add(1)); err != nil {
		t.Fatalf("SetExportCursor(same seq): %v", err)
	}
	if seq, err := s.GetExportCursor(ctx, "siem"); err != nil || seq != 500 {
		t.Errorf("GetExportCursor after setting the same seq = %d, %v; want 500", seq, err)
	}
}

// Ensure a lower seq than the stored one is ignored without an error.
func testExportCursorsNeverBackwards(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.SetExportCursor(ctx, "siem", 10, t0); err != nil {
		t.Fatalf("SetExportCursor(10): %v", err)
	}
	for _, seq := range []int64{9, 1, 0} {
		if err := s.SetExportCursor(ctx, "siem", seq, t0); err != nil {
			t.Errorf("SetExportCursor(%d) below the stored 10: %v, want nil", seq, err)
		}
	}
	if seq, err := s.GetExportCursor(ctx, "siem"); err != nil || seq != 10 {
		t.Errorf("GetExportCursor = %d, %v; want 10 (never backwards)", seq, err)
	}
}

// Ensure an empty sink name or a negative seq is refused with ErrInvalid
// and stores nothing.
func testExportCursorsInvalid(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.SetExportCursor(ctx, "", 1, t0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SetExportCursor(empty sink) = %v, want ErrInvalid", err)
	}
	if err := s.SetExportCursor(ctx, "siem", -1, t0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SetExportCursor(seq -1) = %v, want ErrInvalid", err)
	}
	if _, err := s.GetExportCursor(ctx, ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("GetExportCursor(empty sink) = %v, want ErrInvalid", err)
	}
	if seq, err := s.GetExportCursor(ctx, "siem"); err != nil || seq != 0 {
		t.Errorf("GetExportCursor after refused sets = %d, %v; want 0", seq, err)
	}
}

// Ensure replicas racing to move one cursor leave the largest seq.
func testExportCursorsConcurrent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const callers = 8
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			for j := range 10 {
				// Caller i sets i+1, i+9, …: the largest of all is 80.
				if err := s.SetExportCursor(ctx, "siem", int64(j*callers+i+1), t0); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: SetExportCursor: %v", i, err)
		}
	}
	if seq, err := s.GetExportCursor(ctx, "siem"); err != nil || seq != 10*callers {
		t.Errorf("GetExportCursor after the race = %d, %v; want %d", seq, err, 10*callers)
	}
}
