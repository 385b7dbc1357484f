package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var concurrencyTests = []subTest{
	{"AppendMessages", testConcurrentAppendMessages},
	{"AppendAuditEvents", testConcurrentAppendAuditEvents},
	{"AuditReadersSeePrefix", testConcurrentAuditReaders},
	{"UpdateConversation", testConcurrentUpdateConversation},
}

const (
	workers   = 8
	perWorker = 25
)

// Ensure concurrent appends to one conversation never fail and get Seqs
// 1…N exactly once each, in each writer's order.
func testConcurrentAppendMessages(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustCreateConversation(t, s, newConversation("conv-1", t0))

	got := make([][]int64, workers)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range perWorker {
				m, err := s.AppendMessage(ctx, newMessage("conv-1", fmt.Sprintf("w%d-%d", w, i), t0))
				if err != nil {
					errs <- fmt.Errorf("worker %d, append %d: %w", w, i, err)
					return
				}
				got[w] = append(got[w], m.Seq)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	var all []int64
	for w, ss := range got {
		if !slices.IsSorted(ss) {
			t.Errorf("worker %d got Seqs out of order: %v", w, ss)
		}
		all = append(all, ss...)
	}
	slices.Sort(all)
	if diff := cmp.Diff(seqRange(1, workers*perWorker), all); diff != "" {
		t.Errorf("assigned Seqs (-want +got):\n%s", diff)
	}

	ms := mustListMessages(t, s, "conv-1", 0, 0)
	if diff := cmp.Diff(seqRange(1, workers*perWorker), seqs(ms)); diff != "" {
		t.Errorf("stored Seqs (-want +got):\n%s", diff)
	}
	// Each stored message carries the Seq its writer was told.
	for _, m := range ms {
		var w, i int
		if _, err := fmt.Sscanf(m.ID, "w%d-%d", &w, &i); err != nil {
			t.Fatalf("unexpected message ID %q", m.ID)
		}
		if got[w][i] != m.Seq {
			t.Errorf("message %s stored with Seq %d, returned with Seq %d", m.ID, m.Seq, got[w][i])
		}
	}
}

// Ensure concurrent batches never fail, each batch gets a consecutive run
// of Seqs, and together they cover 1…N without gaps.
func testConcurrentAppendAuditEvents(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const batches = 10
	var total atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for b := range batches {
				n := 1 + (w+b)%4
				out, err := s.AppendAuditEvents(ctx, auditBatch(fmt.Sprintf("w%d-b%d", w, b), n))
				if err != nil {
					errs <- fmt.Errorf("worker %d, batch %d: %w", w, b, err)
					return
				}
				if len(out) != n {
					errs <- fmt.Errorf("worker %d, batch %d: %d events returned, want %d", w, b, len(out), n)
					return
				}
				for i := range out {
					if out[i].Seq != out[0].Seq+int64(i) {
						errs <- fmt.Errorf("worker %d, batch %d: Seqs %v are not consecutive", w, b, seqs(out))
						return
					}
				}
				total.Add(int64(n))
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	evs := mustListAuditEvents(t, s, 0, 0)
	if diff := cmp.Diff(seqRange(1, total.Load()), seqs(evs)); diff != "" {
		t.Errorf("stored Seqs (-want +got):\n%s", diff)
	}
}

// Ensure a reader tailing the log while writers append never sees a Seq
// before the ones below it are visible: what it reads is always 1…n.
func testConcurrentAuditReaders(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const batches = 10
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, workers+1)
	for w := range workers / 2 {
		wg.Go(func() {
			for b := range batches {
				if _, err := s.AppendAuditEvents(ctx, auditBatch(fmt.Sprintf("w%d-b%d", w, b), 3)); err != nil {
					errs <- fmt.Errorf("worker %d, batch %d: %w", w, b, err)
					return
				}
			}
		})
	}
	var reader sync.WaitGroup
	reader.Go(func() {
		for {
			evs, err := s.ListAuditEvents(ctx, 0, 0)
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			for i, ev := range evs {
				if ev.Seq != int64(i+1) {
					errs <- fmt.Errorf("reader saw Seqs %v: not a prefix of the log", seqs(evs))
					return
				}
			}
			select {
			case <-done:
				return
			default:
			}
		}
	})
	wg.Wait()
	close(done)
	reader.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Ensure concurrent read-modify-write updates of one conversation are
// serialised: none is lost.
func testConcurrentUpdateConversation(t *testing.T, s store.Store) {
	ctx := testContext(t)
	c := newConversation("conv-1", t0)
	c.Agent = "0" // used as a counter
	mustCreateConversation(t, s, c)

	const perWorker = 10
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for range perWorker {
				err := s.UpdateConversation(ctx, "conv-1", func(c store.Conversation) (store.Conversation, error) {
					n, err := strconv.Atoi(c.Agent)
					if err != nil {
						return c, err
					}
					c.Agent = strconv.Itoa(n + 1)
					return c, nil
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if want := strconv.Itoa(workers * perWorker); got.Agent != want {
		t.Errorf("counter = %s after %s increments: updates were lost", got.Agent, want)
	}
}

// checkOneWinner checks the outcome of a race in which exactly one of the
// callers may succeed: every other error must be lose (ErrConflict,
// ErrAlreadyExists), and exactly one error must be nil. what names the
// callers and what they raced for, for the failure messages.
func checkOneWinner(t *testing.T, errs []error, lose error, what string) {
	t.Helper()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lose):
			t.Errorf("%s, caller %d: %v, want nil or %v", what, i, err, lose)
		}
	}
	if won != 1 {
		t.Errorf("%s: %d callers won, want exactly 1", what, won)
	}
}
