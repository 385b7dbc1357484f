package ids

import (
	"strings"
	"testing"
	"time"
)

func TestNewShapeAndUniqueness(t *testing.T) {
	seen := make(map[string]bool)
	for i := 0; i < 10000; i++ {
		id := New("conv_")
		if !strings.HasPrefix(id, "conv_") || len(id) != len("conv_")+32 {
			t.Fatalf("New = %q, want conv_ and 32 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("New returned %q twice", id)
		}
		seen[id] = true
	}
}

func TestOrderedByTime(t *testing.T) {
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	prev := at("", base)
	for i := 1; i < 1000; i++ {
		next := at("", base.Add(time.Duration(i)*time.Millisecond))
		if next <= prev {
			t.Fatalf("id at +%dms = %s sorts before the earlier %s", i, next, prev)
		}
		prev = next
	}
}
