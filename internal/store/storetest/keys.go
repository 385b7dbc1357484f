package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var keyTests = []subTest{
	{"LoadOrCreate", testKeyLoadOrCreate},
	{"Invalid", testKeyInvalid},
	{"Concurrent", testKeyConcurrent},
}

// Ensure the first value stored under a name wins for good, and names are
// independent.
func testKeyLoadOrCreate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	first := []byte{0x00, 0x01, 0xfe, 0xff, 'k', 'e', 'y'}
	got, err := s.LoadOrCreateKey(ctx, "directline-signing", first)
	if err != nil {
		t.Fatalf("LoadOrCreateKey(new): %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("LoadOrCreateKey(new) (-want +got):\n%s", diff)
	}
	for range 2 {
		got, err = s.LoadOrCreateKey(ctx, "directline-signing", []byte("another value"))
		if err != nil {
			t.Fatalf("LoadOrCreateKey(existing): %v", err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("LoadOrCreateKey(existing) (-first +got):\n%s", diff)
		}
	}
	other, err := s.LoadOrCreateKey(ctx, "session-cookie", []byte("cookie key"))
	if err != nil {
		t.Fatalf("LoadOrCreateKey(other name): %v", err)
	}
	if diff := cmp.Diff([]byte("cookie key"), other); diff != "" {
		t.Errorf("LoadOrCreateKey(other name) (-want +got):\n%s", diff)
	}
}

// Ensure an empty name or value is refused and stores nothing.
func testKeyInvalid(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if _, err := s.LoadOrCreateKey(ctx, "", []byte("v")); err == nil {
		t.Error("LoadOrCreateKey(empty name) succeeded, want an error")
	}
	for _, v := range [][]byte{nil, {}} {
		if _, err := s.LoadOrCreateKey(ctx, "k", v); err == nil {
			t.Errorf("LoadOrCreateKey(value %#v) succeeded, want an error", v)
		}
	}
	got, err := s.LoadOrCreateKey(ctx, "k", []byte("v"))
	if err != nil {
		t.Fatalf("LoadOrCreateKey: %v", err)
	}
	if !bytes.Equal(got, []byte("v")) {
		t.Errorf("LoadOrCreateKey after refused calls = %q, want %q", got, "v")
	}
}

// Ensure replicas racing to create a key all end up with the same one.
func testKeyConcurrent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const callers = 8
	results := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.LoadOrCreateKey(ctx, "shared", fmt.Appendf(nil, "candidate-%d", i))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: LoadOrCreateKey: %v", i, err)
		}
	}
	winner := results[0]
	if !bytes.HasPrefix(winner, []byte("candidate-")) {
		t.Fatalf("stored key %q is none of the candidates", winner)
	}
	for i, got := range results {
		if !bytes.Equal(got, winner) {
			t.Errorf("caller %d got %q, caller 0 got %q", i, got, winner)
		}
	}
	again, err := s.LoadOrCreateKey(ctx, "shared", []byte("late"))
	if err != nil {
		t.Fatalf("LoadOrCreateKey: %v", err)
	}
	if !bytes.Equal(again, winner) {
		t.Errorf("later call got %q, want %q", again, winner)
	}
}
