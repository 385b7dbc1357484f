package audit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// commitLog keeps what a JournalObserver is told.
type commitLog struct {
	mu      sync.Mutex
	batches []int
	failed  int
}

func (c *commitLog) ObserveCommit(_ time.Duration, batch int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, batch)
	if err != nil {
		c.failed++
	}
}

// Ensure the observer is told about every transaction, its size and its
// failure, and that the queue depth is reported.
func TestJournalObserver(t *testing.T) {
	m := &memJournal{}
	obs := &commitLog{}
	j := NewJournal(m, JournalOptions{Observer: obs})
	defer j.Close()
	if d := j.QueueDepth(); d != 0 {
		t.Errorf("idle queue depth %d", d)
	}
	if _, err := j.Record(context.Background(), Event{Type: TypeChatCompletion}); err != nil {
		t.Fatal(err)
	}
	m.fail.Store(true)
	if _, err := j.Record(context.Background(), Event{Type: TypeChatCompletion}); err == nil {
		t.Fatal("a failed write was not reported")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.batches) != 2 || obs.batches[0] != 1 || obs.batches[1] != 1 || obs.failed != 1 {
		t.Errorf("observed batches %v with %d failures; want [1 1] with 1", obs.batches, obs.failed)
	}
}
