package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/audit/tlog"
	"github.com/palisade-gw/palisade/internal/store"
)

// ErrInconsistent means the checkpointer refused to sign: the events it
// read do not extend the newest checkpoint (in the store or the
// directory), or a different checkpoint of the same size exists. The log
// was tampered with, rolled back, or another writer signs with the same
// key. It needs an operator: run `palisade audit verify`.
var ErrInconsistent = errors.New("checkpoint: the audit log does not extend its last checkpoint")

// Store is what a Checkpointer needs of the store.
type Store interface {
	EventLister
	store.Checkpoints
	store.Keys
}

// The defaults of Options.
const (
	DefaultEvery    = 1000
	DefaultInterval = time.Minute
	DefaultPoll     = time.Second
	DefaultPageSize = 10000
)

// Options configure a Checkpointer.
type Options struct {
	// Origin names the log in its checkpoints (required), for example
	// "palisade.example.com/audit". A new signing key is named after it.
	Origin string
	// Every is how many new events make a checkpoint due (default 1000).
	Every int64
	// Interval is how long new events wait for a checkpoint at most
	// (default one minute): when it has passed since the last one and
	// events arrived, a checkpoint is due.
	Interval time.Duration
	// Poll is how often Run reads new events (default one second).
	Poll time.Duration
	// Dir, when set, receives a copy of every checkpoint signed, as
	// <size>.checkpoint. It is created (0700) if missing.
	Dir string
	// PageSize is how many events one read fetches (default 10000).
	PageSize int
	// Log receives refusals and failures (default: discarded).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observer is told the state of the checkpoints after every step, for
	// metrics; nil means none.
	Observer Observer
}

// Observer is told how far checkpoints cover the audit log, for
// monitoring. It is called with the checkpointer's lock held, so it must
// not block or call the Checkpointer.
type Observer interface {
	// ObserveCheckpoint is called after every Poll or CheckpointNow
	// (failed ones too) with the number of events the newest checkpoint
	// signs (0 when none) and the number of events read that no
	// checkpoint covers yet.
	ObserveCheckpoint(size, unsigned int64)
}

// Checkpointer signs checkpoints of the audit log as it grows. Its methods
// are safe for concurrent use.
type Checkpointer struct {
	st   Store
	opts Options
	key  Key

	mu sync.Mutex
	// tree keeps only the right edge of the log's Merkle tree: constant
	// memory whatever the log's size.
	tree tlog.Frontier
	// roots holds the roots at the sizes of the checkpoints the tree must
	// be checked against (want), recorded as the tree passes them.
	roots map[int64]tlog.Hash
	want  map[int64]bool
	// latest is the newest checkpoint known to be stored (Size 0 when
	// none), and since when it is the newest.
	latest      tlog.Checkpoint
	latestSince time.Time
	// dirChecked is whether the directory's newest checkpoint was checked
	// since the start.
	dirChecked bool
	// lastErr is the last error Run logged, so that a lasting fault is
	// logged once and not at every poll.
	lastErr string
}

// New returns a Checkpointer of st's audit log: it loads (or creates) the
// signing key and the directory. It reads no events yet: the first
// CheckpointNow or poll of Run rebuilds the tree from every stored event.
func New(ctx context.Context, st Store, opts Options) (*Checkpointer, error) {
	if opts.Origin == "" {
		return nil, errors.New("checkpoint: an origin is required")
	}
	if opts.Every <= 0 {
		opts.Every = DefaultEvery
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := LoadKey(ctx, st, opts.Origin)
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("checkpoint: directory: %w", err)
		}
	}
	return &Checkpointer{st: st, opts: opts, key: key, latestSince: opts.Now()}, nil
}

// VerifierKey returns the verifier key of the log's checkpoints, for
// operators to keep and verify with offline.
func (c *Checkpointer) VerifierKey() string { return c.key.VerifierKey }

// Verifiers returns the verifier of the log's checkpoints as tlog.Open
// takes it.
func (c *Checkpointer) Verifiers() note.Verifiers { return note.VerifierList(c.key.Verifier) }

// Run reads new events every Poll and signs a checkpoint when one is due,
// until ctx ends; then it returns nil. Errors are logged (a lasting one
// once) and retried at the next poll; a refusal to sign (ErrInconsistent)
// is logged as an error that needs an operator.
func (c *Checkpointer) Run(ctx context.Context) error {
	t := time.NewTicker(c.opts.Poll)
	defer t.Stop()
	for {
		_, err := c.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		c.report(err)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// report logs err if it differs from the last one logged, and says when
// the checkpointer recovers.
func (c *Checkpointer) report(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil && c.lastErr != "":
		c.opts.Log.Info("audit checkpoints resumed")
		c.lastErr = ""
	case err == nil, err.Error() == c.lastErr:
	case errors.Is(err, ErrInconsistent):
		c.lastErr = err.Error()
		c.opts.Log.Error("AUDIT LOG INTEGRITY: refusing to sign a checkpoint; run `palisade audit verify`", "err", err)
	default:
		c.lastErr = err.Error()
		c.opts.Log.Error("audit checkpoint failed; retrying", "err", err)
	}
}

// Poll reads every new event and signs a checkpoint if one is due: when
// Every events are unsigned, or some are and Interval has passed since the
// newest checkpoint. Run calls it every Options.Poll. It returns the newest
// checkpoint (Size 0 when there is none).
func (c *Checkpointer) Poll(ctx context.Context) (tlog.Checkpoint, error) {
	return c.step(ctx, false)
}

// CheckpointNow reads every new event and, if any is not covered by a
// checkpoint yet, signs and stores one now, whatever Every and Interval
// say (for shutdown and tests). It returns the newest checkpoint, which
// covers every event read; Size 0 when the log is empty.
func (c *Checkpointer) CheckpointNow(ctx context.Context) (tlog.Checkpoint, error) {
	return c.step(ctx, true)
}

// step reads new events and signs a checkpoint if one is due (or if force
// and any event is unsigned). It returns the newest checkpoint.
func (c *Checkpointer) step(ctx context.Context, force bool) (tlog.Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.Observer != nil {
		defer func() { c.opts.Observer.ObserveCheckpoint(c.latest.Size, max(c.tree.Size()-c.latest.Size, 0)) }()
	}
	if c.tree.Size() == 0 {
		c.wantKnown(ctx)
	}
	if err := c.read(ctx); err != nil {
		return c.latest, err
	}
	if err := c.refresh(ctx); err != nil {
		return c.latest, err
	}
	if !c.dirChecked {
		// At start, not only when signing: a restored database is
		// reported before any new event arrives.
		if err := c.checkDir(ctx); err != nil {
			return c.latest, err
		}
		if err := c.publishStored(ctx); err != nil {
			return c.latest, err
		}
		c.dirChecked = true
	}
	size := c.tree.Size()
	pending := size - c.latest.Size
	due := pending >= c.opts.Every || pending > 0 && (force || c.opts.Now().Sub(c.latestSince) >= c.opts.Interval)
	if !due {
		return c.latest, nil
	}
	return c.sign(ctx)
}

// read appends the events stored after the tree's last leaf. Leaf i is
// the event with Seq i+1; a Seq out of line is a refusal, not a leaf.
func (c *Checkpointer) read(ctx context.Context) error {
	for {
		size := c.tree.Size()
		evs, err := c.st.ListAuditEvents(ctx, size, c.opts.PageSize)
		if err != nil {
			return fmt.Errorf("checkpoint: read audit events after %d: %w", size, err)
		}
		for _, ev := range evs {
			if want := c.tree.Size() + 1; ev.Seq != want {
				return fmt.Errorf("%w: read the event with Seq %d where %d was due", ErrInconsistent, ev.Seq, want)
			}
			if err := c.tree.AppendEvent(ev); err != nil {
				return fmt.Errorf("checkpoint: event %d: %w", ev.Seq, err)
			}
			if c.want[c.tree.Size()] {
				if err := c.recordRoot(); err != nil {
					return err
				}
			}
		}
		if len(evs) < c.opts.PageSize {
			return nil
		}
	}
}

// refresh learns the newest stored checkpoint (another replica may have
// signed one) and checks that the tree extends it. A checkpoint larger
// than the tree after the events were read again means the store lost
// events it had signed.
func (c *Checkpointer) refresh(ctx context.Context) error {
	sc, err := c.st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		if c.latest.Size > 0 {
			return fmt.Errorf("%w: the store's checkpoints are gone (it had one of %d events)", ErrInconsistent, c.latest.Size)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: latest checkpoint: %w", err)
	}
	if sc.Size == c.latest.Size && c.latest.Size > 0 {
		return nil // known, and checked when first seen
	}
	if sc.Size < c.latest.Size {
		return fmt.Errorf("%w: the store's newest checkpoint signs %d events, it had one of %d", ErrInconsistent, sc.Size, c.latest.Size)
	}
	ck, err := tlog.Open(sc.Note, c.opts.Origin, c.Verifiers())
	if err != nil {
		return fmt.Errorf("%w: the stored checkpoint of %d events: %w", ErrInconsistent, sc.Size, err)
	}
	if ck.Size != sc.Size {
		return fmt.Errorf("%w: the checkpoint stored for %d events signs %d", ErrInconsistent, sc.Size, ck.Size)
	}
	if ck.Size > c.tree.Size() {
		// Signed by a replica that read events this one has not: read
		// them now.
		if err := c.read(ctx); err != nil {
			return err
		}
		if ck.Size > c.tree.Size() {
			return fmt.Errorf("%w: the stored checkpoint signs %d events and the store holds %d: events were cut off the end",
				ErrInconsistent, ck.Size, c.tree.Size())
		}
	}
	if err := c.extends(ctx, ck, "the stored checkpoint"); err != nil {
		return err
	}
	c.latest, c.latestSince = ck, c.opts.Now()
	return nil
}

// recordRoot remembers the root at the tree's current size.
func (c *Checkpointer) recordRoot() error {
	root, err := c.tree.Root()
	if err != nil {
		return fmt.Errorf("checkpoint: root at %d: %w", c.tree.Size(), err)
	}
	if c.roots == nil {
		c.roots = map[int64]tlog.Hash{}
	}
	c.roots[c.tree.Size()] = root
	return nil
}

// rootAt returns the root of the first size leaves: the current root, one
// recorded on the way, or, for a size the tree passed without knowing it
// would be asked (a checkpoint another replica signed meanwhile), the
// root after reading the log again from the start.
func (c *Checkpointer) rootAt(ctx context.Context, size int64) (tlog.Hash, error) {
	if size == c.tree.Size() {
		return c.tree.Root()
	}
	if h, ok := c.roots[size]; ok {
		return h, nil
	}
	if c.want == nil {
		c.want = map[int64]bool{}
	}
	c.want[size] = true
	c.tree, c.roots = tlog.Frontier{}, nil
	if err := c.read(ctx); err != nil {
		return tlog.Hash{}, err
	}
	if h, ok := c.roots[size]; ok {
		return h, nil
	}
	if size == c.tree.Size() {
		return c.tree.Root()
	}
	return tlog.Hash{}, fmt.Errorf("%w: the log holds %d events, fewer than %d", ErrInconsistent, c.tree.Size(), size)
}

// wantKnown notes the sizes of the newest stored and directory
// checkpoints before the tree is first built, so that their roots are
// recorded as the tree passes them.
func (c *Checkpointer) wantKnown(ctx context.Context) {
	if c.want == nil {
		c.want = map[int64]bool{}
	}
	if sc, err := c.st.LatestCheckpoint(ctx); err == nil {
		c.want[sc.Size] = true
	}
	if c.opts.Dir != "" {
		if ext, ok, err := latestFile(c.opts.Dir, c.opts.Origin, c.Verifiers()); err == nil && ok {
			c.want[ext.Size] = true
		}
	}
}

// publishStored copies the store's newest checkpoint to the directory
// when the directory lacks it: a process stopped between storing a
// checkpoint and writing its copy leaves the directory one behind, and the
// copy outside the database is what detects a rollback.
func (c *Checkpointer) publishStored(ctx context.Context) error {
	if c.opts.Dir == "" {
		return nil
	}
	sc, err := c.st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: latest stored checkpoint: %w", err)
	}
	if _, err := tlog.Open(sc.Note, c.opts.Origin, c.Verifiers()); err != nil {
		return fmt.Errorf("%w: the stored checkpoint of %d events does not verify: %w", ErrInconsistent, sc.Size, err)
	}
	return writeFile(c.opts.Dir, sc.Size, sc.Note)
}

// extends checks that the tree's first ck.Size leaves are the tree ck
// signs.
func (c *Checkpointer) extends(ctx context.Context, ck tlog.Checkpoint, what string) error {
	root, err := c.rootAt(ctx, ck.Size)
	if err != nil {
		return fmt.Errorf("checkpoint: root at %d: %w", ck.Size, err)
	}
	if root != ck.Hash {
		return fmt.Errorf("%w: %s of %d events has root %s, the events stored now give %s: they were changed",
			ErrInconsistent, what, ck.Size, ck.Hash, root)
	}
	return nil
}

// checkDir checks that the tree extends the newest checkpoint of the
// directory, if one is configured: a larger one (after reading the events
// again, in case another replica sharing the directory signed events this
// one has not read yet) means the database was rolled back, and one with
// another root that it was rolled back and written to again.
func (c *Checkpointer) checkDir(ctx context.Context) error {
	if c.opts.Dir == "" {
		return nil
	}
	ext, ok, err := latestFile(c.opts.Dir, c.opts.Origin, c.Verifiers())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	if !ok {
		return nil
	}
	if ext.Size > c.tree.Size() {
		if err := c.read(ctx); err != nil {
			return err
		}
		if ext.Size > c.tree.Size() {
			return fmt.Errorf("%w: the directory's checkpoint signs %d events and the store holds %d: the database was rolled back",
				ErrInconsistent, ext.Size, c.tree.Size())
		}
	}
	return c.extends(ctx, ext, "the directory's checkpoint")
}

// sign signs the tree of the events read, after checking it extends the
// directory's newest checkpoint too, and stores and publishes it.
func (c *Checkpointer) sign(ctx context.Context) (tlog.Checkpoint, error) {
	if err := c.checkDir(ctx); err != nil {
		return c.latest, err
	}
	size := c.tree.Size() // after checkDir, which may read more events
	root, err := c.tree.Root()
	if err != nil {
		return c.latest, fmt.Errorf("checkpoint: root at %d: %w", size, err)
	}
	ck := tlog.Checkpoint{Origin: c.opts.Origin, Size: size, Hash: root}
	msg, err := tlog.Sign(ck, c.key.Signer)
	if err != nil {
		return c.latest, fmt.Errorf("checkpoint: %w", err)
	}
	if err := c.st.AddCheckpoint(ctx, size, msg); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return c.latest, fmt.Errorf("%w: the store holds another checkpoint of %d events: %w", ErrInconsistent, size, err)
		}
		return c.latest, fmt.Errorf("checkpoint: store checkpoint of %d events: %w", size, err)
	}
	c.latest, c.latestSince = ck, c.opts.Now()
	if c.opts.Dir != "" {
		if err := writeFile(c.opts.Dir, size, msg); err != nil {
			return c.latest, err
		}
	}
	return ck, nil
}
