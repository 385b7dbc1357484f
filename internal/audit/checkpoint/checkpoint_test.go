package checkpoint_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
	"github.com/palisade-gw/palisade/internal/audit/tlog"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const origin = "palisade.test/audit"

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var evCount int

// appendEvents stores n events.
func appendEvents(t *testing.T, st store.AuditEvents, n int) {
	t.Helper()
	evs := make([]store.AuditEvent, n)
	for i := range evs {
		evCount++
		evs[i] = store.AuditEvent{ID: fmt.Sprintf("ev-%d", evCount), Time: time.Unix(int64(evCount), 0).UTC(),
			Type: "test.event", Outcome: "success", Data: fmt.Appendf(nil, `{"n":%d}`, evCount)}
	}
	if _, err := st.AppendAuditEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

func newCheckpointer(t *testing.T, st checkpoint.Store, opts checkpoint.Options) *checkpoint.Checkpointer {
	t.Helper()
	if opts.Origin == "" {
		opts.Origin = origin
	}
	c, err := checkpoint.New(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// storedSizes returns the sizes of the stored checkpoints, after checking
// each opens with the checkpointer's published verifier key.
func storedSizes(t *testing.T, st store.Checkpoints, vkey string) []int64 {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("verifier key %q: %v", vkey, err)
	}
	cs, err := st.ListCheckpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, sc := range cs {
		c, err := tlog.Open(sc.Note, origin, note.VerifierList(v))
		if err != nil || c.Size != sc.Size {
			t.Fatalf("stored checkpoint %d: %+v, %v", sc.Size, c, err)
		}
		sizes = append(sizes, sc.Size)
	}
	return sizes
}

func equalSizes(a, b []int64) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// Ensure a checkpoint is signed once Every events are unsigned, not
// before, and that its root is the root of those events.
func TestEveryN(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := newClock()
	c := newCheckpointer(t, st, checkpoint.Options{Every: 3, Interval: time.Hour, Now: clk.Now})
	appendEvents(t, st, 2)
	if ck, err := c.Poll(ctx); err != nil || ck.Size != 0 {
		t.Fatalf("Poll after 2 events = %d, %v; want no checkpoint", ck.Size, err)
	}
	appendEvents(t, st, 1)
	ck, err := c.Poll(ctx)
	if err != nil || ck.Size != 3 {
		t.Fatalf("Poll after 3 events = %d, %v; want a checkpoint of 3", ck.Size, err)
	}
	evs, err := st.ListAuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tlog.Verify(tlog.Events(evs), []tlog.Checkpoint{ck})
	if err != nil || rep.Signed != 3 {
		t.Fatalf("the checkpoint does not sign the events: %+v, %v", rep, err)
	}
	appendEvents(t, st, 5)
	if ck, err = c.Poll(ctx); err != nil || ck.Size != 8 {
		t.Fatalf("Poll after 8 events = %d, %v; want a checkpoint of 8", ck.Size, err)
	}
	if got := storedSizes(t, st, c.VerifierKey()); !equalSizes(got, []int64{3, 8}) {
		t.Errorf("stored checkpoints %v, want [3 8]", got)
	}
}

// Ensure a checkpoint is signed when Interval has passed and events
// arrived, and not when none did.
func TestInterval(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := newClock()
	c := newCheckpointer(t, st, checkpoint.Options{Every: 1000, Interval: time.Minute, Now: clk.Now})
	if ck, err := c.Poll(ctx); err != nil || ck.Size != 0 {
		t.Fatalf("Poll on an empty log = %d, %v", ck.Size, err)
	}
	appendEvents(t, st, 2)
	clk.Add(30 * time.Second)
	if ck, err := c.Poll(ctx); err != nil || ck.Size != 0 {
		t.Fatalf("Poll before the interval = %d, %v; want none", ck.Size, err)
	}
	clk.Add(31 * time.Second)
	if ck, err := c.Poll(ctx); err != nil || ck.Size != 2 {
		t.Fatalf("Poll after the interval = %d, %v; want a checkpoint of 2", ck.Size, err)
	}
	clk.Add(5 * time.Minute)
	if ck, err := c.Poll(ctx); err != nil || ck.Size != 2 {
		t.Fatalf("Poll without new events = %d, %v; want the same checkpoint", ck.Size, err)
	}
	if got := storedSizes(t, st, c.VerifierKey()); !equalSizes(got, []int64{2}) {
		t.Errorf("stored checkpoints %v, want [2]", got)
	}
}

// Ensure two checkpointers on one store (two replicas) share the key and
// store the same bytes for a size, and each learns of the other's
// checkpoints.
func TestTwoCheckpointers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a := newCheckpointer(t, st, checkpoint.Options{})
	b := newCheckpointer(t, st, checkpoint.Options{})
	if a.VerifierKey() != b.VerifierKey() {
		t.Fatalf("replicas have different keys: %q and %q", a.VerifierKey(), b.VerifierKey())
	}
	appendEvents(t, st, 5)
	ca, err := a.CheckpointNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.CheckpointNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Size != 5 || cb.Size != 5 || ca.Hash != cb.Hash {
		t.Fatalf("replicas signed %+v and %+v", ca, cb)
	}
	// b's AddCheckpoint of the same size was a no-op: same bytes.
	appendEvents(t, st, 2)
	if _, err := b.CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	if ck, err := a.Poll(ctx); err != nil || ck.Size != 7 {
		t.Fatalf("a after b signed 7: %d, %v; want it to learn of 7", ck.Size, err)
	}
	if got := storedSizes(t, st, a.VerifierKey()); !equalSizes(got, []int64{5, 7}) {
		t.Errorf("stored checkpoints %v, want [5 7]", got)
	}
}

// Ensure a restarted checkpointer rebuilds the tree from the stored
// events and goes on from the stored checkpoint.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	appendEvents(t, st, 4)
	if _, err := newCheckpointer(t, st, checkpoint.Options{}).CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 3)
	c := newCheckpointer(t, st, checkpoint.Options{PageSize: 2})
	ck, err := c.CheckpointNow(ctx)
	if err != nil || ck.Size != 7 {
		t.Fatalf("CheckpointNow after a restart = %d, %v", ck.Size, err)
	}
}

// Ensure the directory sink holds each checkpoint as <size>.checkpoint,
// byte for byte as stored, 0600, with no temporary file left, and that
// ReadDir reads them back.
func TestDirectorySink(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := filepath.Join(t.TempDir(), "checkpoints")
	c := newCheckpointer(t, st, checkpoint.Options{Dir: dir})
	appendEvents(t, st, 3)
	if _, err := c.CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 2)
	if _, err := c.CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := st.ListCheckpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "3.checkpoint 5.checkpoint" {
		t.Fatalf("directory holds %q, want 3.checkpoint and 5.checkpoint only", names)
	}
	for _, sc := range stored {
		path := filepath.Join(dir, checkpoint.FileName(sc.Size))
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(b, sc.Note) {
			t.Errorf("%s = %q, %v; want the stored note %q", path, b, err, sc.Note)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", path, fi.Mode().Perm(), err)
		}
	}
	cks, err := checkpoint.ReadDir(dir, origin, c.Verifiers())
	if err != nil || len(cks) != 2 || cks[0].Size != 3 || cks[1].Size != 5 {
		t.Fatalf("ReadDir = %+v, %v", cks, err)
	}
	// A checkpoint signed by another key fails closed.
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := tlog.Sign(tlog.Checkpoint{Origin: origin, Size: 9, Hash: cks[1].Hash}, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "9.checkpoint"), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.ReadDir(dir, origin, c.Verifiers()); !errors.Is(err, tlog.ErrUnknownKey) {
		t.Errorf("ReadDir with a forged checkpoint: %v, want ErrUnknownKey", err)
	}
}

// tampered is a store whose events are altered as they are read: edit
// changes one event's data, keep hides the events after it and the
// stored checkpoints (a restored old copy).
type tampered struct {
	*sqlite.Store
	edit          int64
	keep          int64
	noCheckpoints bool
}

func (s *tampered) ListAuditEvents(ctx context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	evs, err := s.Store.ListAuditEvents(ctx, after, limit)
	out := evs[:0]
	for _, ev := range evs {
		if ev.Seq == s.edit {
			ev.Data = []byte(`{"n":"edited"}`)
		}
		if s.keep > 0 && ev.Seq > s.keep {
			break
		}
		out = append(out, ev)
	}
	return out, err
}

func (s *tampered) LatestCheckpoint(ctx context.Context) (store.StoredCheckpoint, error) {
	if s.noCheckpoints {
		return store.StoredCheckpoint{}, store.ErrNotFound
	}
	return s.Store.LatestCheckpoint(ctx)
}

// Ensure the checkpointer refuses to sign events that do not extend the
// stored checkpoint (an edited event) or the directory's (a rolled-back
// database), stores nothing, and Run says so loudly.
func TestRefusesNonExtendingHistory(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	appendEvents(t, st, 5)
	if _, err := newCheckpointer(t, st, checkpoint.Options{Dir: dir}).CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 2)

	edited := &tampered{Store: st, edit: 2}
	if _, err := newCheckpointer(t, edited, checkpoint.Options{}).CheckpointNow(ctx); !errors.Is(err, checkpoint.ErrInconsistent) {
		t.Errorf("CheckpointNow over an edited event: %v, want ErrInconsistent", err)
	}
	rolledBack := &tampered{Store: st, keep: 3, noCheckpoints: true}
	if _, err := newCheckpointer(t, rolledBack, checkpoint.Options{Dir: dir}).CheckpointNow(ctx); !errors.Is(err, checkpoint.ErrInconsistent) ||
		!strings.Contains(err.Error(), "rolled back") {
		t.Errorf("CheckpointNow over a rolled-back store: %v, want ErrInconsistent naming the rollback", err)
	}
	forked := &tampered{Store: st, edit: 4, noCheckpoints: true}
	if _, err := newCheckpointer(t, forked, checkpoint.Options{Dir: dir}).CheckpointNow(ctx); !errors.Is(err, checkpoint.ErrInconsistent) {
		t.Errorf("CheckpointNow over a fork of the directory's checkpoint: %v, want ErrInconsistent", err)
	}
	if got := storedSizes(t, st, newCheckpointer(t, st, checkpoint.Options{}).VerifierKey()); !equalSizes(got, []int64{5}) {
		t.Errorf("stored checkpoints %v, want only [5]", got)
	}

	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	c := newCheckpointer(t, edited, checkpoint.Options{Every: 1, Poll: time.Millisecond, Log: log})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		out := logs.String()
		mu.Unlock()
		if strings.Contains(out, "AUDIT LOG INTEGRITY") {
			if n := strings.Count(out, "AUDIT LOG INTEGRITY"); n != 1 {
				t.Errorf("the refusal was logged %d times, want once", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not log the refusal; log: %s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// Ensure Verify accepts an intact log with its stored and external
// checkpoints, and reports an edited event as tampering.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	c := newCheckpointer(t, st, checkpoint.Options{Dir: dir})
	appendEvents(t, st, 4)
	if _, err := c.CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 3)
	ext, err := checkpoint.ReadDir(dir, origin, c.Verifiers())
	if err != nil {
		t.Fatal(err)
	}
	res, err := checkpoint.Verify(ctx, st, origin, c.Verifiers(), ext)
	if err != nil || res.Size != 7 || res.Signed != 4 || res.Unsigned != 3 || res.Stored != 1 || res.External != 1 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	_, err = checkpoint.Verify(ctx, &tampered{Store: st, edit: 3}, origin, c.Verifiers(), ext)
	var te *tlog.TamperError
	if !errors.As(err, &te) || te.Kind != tlog.KindEdited || te.First > 3 || te.Last < 3 {
		t.Fatalf("Verify of an edited log: %v, want KindEdited covering Seq 3", err)
	}
}

// Ensure a checkpoint another replica signed at a size this one's tree has
// already passed (it keeps only the tree's right edge) is still checked,
// by reading the log again, and that a rewritten history is refused then.
func TestCheckpointSignedBehindTheTree(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a := newCheckpointer(t, st, checkpoint.Options{Every: 1000})
	b := newCheckpointer(t, st, checkpoint.Options{Every: 1000})
	appendEvents(t, st, 10)
	if _, err := a.Poll(ctx); err != nil { // a reads 10 events, signs nothing
		t.Fatal(err)
	}
	if ck, err := b.CheckpointNow(ctx); err != nil || ck.Size != 10 {
		t.Fatalf("b: %+v %v", ck, err)
	}
	appendEvents(t, st, 5)
	if ck, err := a.CheckpointNow(ctx); err != nil || ck.Size != 15 {
		t.Fatalf("a after b signed 10 and 5 more events: %+v, %v", ck, err)
	}
	if got := storedSizes(t, st, a.VerifierKey()); !equalSizes(got, []int64{10, 15}) {
		t.Errorf("stored checkpoints %v, want [10 15]", got)
	}
}

// Ensure a checkpoint that reached the store but not the directory (the
// process stopped in between) is copied there when the next checkpointer
// starts.
func TestRepublishesStoredCheckpoint(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := filepath.Join(t.TempDir(), "checkpoints")
	appendEvents(t, st, 5)
	if _, err := newCheckpointer(t, st, checkpoint.Options{Dir: dir}).CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, checkpoint.FileName(5))); err != nil {
		t.Fatal(err)
	}
	if _, err := newCheckpointer(t, st, checkpoint.Options{Dir: dir}).Poll(ctx); err != nil {
		t.Fatal(err)
	}
	stored, _ := st.LatestCheckpoint(ctx)
	if b, err := os.ReadFile(filepath.Join(dir, checkpoint.FileName(5))); err != nil || !bytes.Equal(b, stored.Note) {
		t.Fatalf("the stored checkpoint was not copied again: %q, %v", b, err)
	}
}
