package guard

import (
	"slices"
)

// Summary is what a turn found and did, without any value: per direction
// ("in", "content", "out") and type, the count and the most restrictive
// action taken. It goes into the audit record of the request.
type Summary struct {
	Entries []SummaryEntry `json:"entries,omitempty"`
}

// SummaryEntry counts the findings of one type in one direction.
type SummaryEntry struct {
	Direction string `json:"direction"`
	Type      string `json:"type"`
	Category  string `json:"category"`
	Action    Action `json:"action"`
	Count     int    `json:"count"`
}

// Empty reports whether nothing was found.
func (s Summary) Empty() bool { return len(s.Entries) == 0 }

// Data returns the summary as audit event data: direction -> type ->
// {"action", "count"}.
func (s Summary) Data() map[string]any {
	out := map[string]any{}
	for _, e := range s.Entries {
		m, _ := out[e.Direction].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[e.Direction] = m
		}
		m[e.Type] = map[string]any{"action": string(e.Action), "count": e.Count, "category": e.Category}
	}
	return out
}

// Summary returns a copy of what the turn has counted.
func (t *turn) Summary() Summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Summary{Entries: slices.Clone(t.sum.Entries)}
}

func (t *turn) count(dir string, fs []Applied) {
	if len(fs) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	idx := map[[2]string]int{}
	for i, e := range t.sum.Entries {
		idx[[2]string{e.Direction, e.Type}] = i
	}
	for _, f := range fs {
		k := [2]string{dir, f.Type}
		i, ok := idx[k]
		if !ok {
			t.sum.Entries = append(t.sum.Entries, SummaryEntry{Direction: dir, Type: f.Type, Category: string(f.Category), Action: f.Action})
			i = len(t.sum.Entries) - 1
			idx[k] = i
		}
		e := &t.sum.Entries[i]
		e.Count++
		if f.Action.rank() > e.Action.rank() {
			e.Action = f.Action
		}
	}
	slices.SortFunc(t.sum.Entries, func(a, b SummaryEntry) int {
		if a.Direction != b.Direction {
			return compare(a.Direction, b.Direction)
		}
		return compare(a.Type, b.Type)
	})
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
