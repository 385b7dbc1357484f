package checkpoint_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
)

// coverage keeps the last values a checkpoint.Observer was told.
type coverage struct{ size, unsigned, calls int64 }

func (c *coverage) ObserveCheckpoint(size, unsigned int64) {
	c.size, c.unsigned = size, unsigned
	c.calls++
}

// Ensure the observer learns after every poll how many events the newest
// checkpoint signs and how many wait for one.
func TestObserverSeesCoverage(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	obs := &coverage{}
	c := newCheckpointer(t, st, checkpoint.Options{Every: 3, Interval: time.Hour, Now: newClock().Now, Observer: obs})
	appendEvents(t, st, 2)
	if _, err := c.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if obs.size != 0 || obs.unsigned != 2 {
		t.Errorf("after 2 events: size %d, unsigned %d; want 0, 2", obs.size, obs.unsigned)
	}
	appendEvents(t, st, 2)
	if _, err := c.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if obs.size != 4 || obs.unsigned != 0 {
		t.Errorf("after 4 events: size %d, unsigned %d; want 4, 0", obs.size, obs.unsigned)
	}
	appendEvents(t, st, 1)
	if _, err := c.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if obs.size != 4 || obs.unsigned != 1 || obs.calls != 3 {
		t.Errorf("after 5 events: size %d, unsigned %d, %d calls; want 4, 1, 3", obs.size, obs.unsigned, obs.calls)
	}
}
