package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var auditSearchTests = []subTest{
	{"Empty", testAuditSearchEmpty},
	{"Filters", testAuditSearchFilters},
	{"ExactMatch", testAuditSearchExactMatch},
	{"TimeBounds", testAuditSearchTimeBounds},
	{"Order", testAuditSearchOrder},
	{"Paging", testAuditSearchPaging},
	{"Limits", testAuditSearchLimits},
}

// searchLog is the log the search tests query: 36 events over three
// actors, two apps, three agents, three types and three outcomes, a
// second apart but stored out of time order in places (Seq order is commit
// order, not time order), so a time condition cannot pass by reading Seqs.
func searchLog() []store.AuditEvent {
	actors := []string{"corp:alice", "corp:bob", "local:carol"}
	apps := []string{"web-chat", "hr-portal"}
	agents := []string{"hr-helpdesk", "it-helpdesk", ""}
	types := []string{"chat.completion", "request.refused", "auth.signin"}
	outcomes := []string{"success", "denied", "error"}
	evs := make([]store.AuditEvent, 36)
	for i := range evs {
		at := i
		if i%6 == 4 { // swap the times of events 4↔5, 10↔11, …
			at = i + 1
		} else if i%6 == 5 {
			at = i - 1
		}
		evs[i] = store.AuditEvent{
			ID:        fmt.Sprintf("ev-%02d", i),
			Time:      t0.Add(time.Duration(at) * time.Second),
			Type:      types[i%3],
			RequestID: fmt.Sprintf("req-%02d", i),
			Outcome:   outcomes[(i/3)%3],
			Actor:     actors[(i/2)%3],
			App:       apps[i%2],
			Agent:     agents[(i/4)%3],
			Data:      []byte(fmt.Sprintf(`{"n":%d}`, i)),
		}
	}
	return evs
}

// matches is the reference meaning of q, against which the stores are
// checked (cursors and bounds as documented on store.AuditQuery).
func matches(ev store.AuditEvent, q store.AuditQuery) bool {
	return (q.Since.IsZero() || !ev.Time.Before(q.Since)) &&
		(q.Until.IsZero() || ev.Time.Before(q.Until)) &&
		(q.Actor == "" || ev.Actor == q.Actor) &&
		(q.App == "" || ev.App == q.App) &&
		(q.Agent == "" || ev.Agent == q.Agent) &&
		(q.Type == "" || ev.Type == q.Type) &&
		(q.Outcome == "" || ev.Outcome == q.Outcome) &&
		(q.AfterSeq == 0 || ev.Seq > q.AfterSeq) &&
		(q.BeforeSeq == 0 || ev.Seq < q.BeforeSeq)
}

// want returns the Seqs of the stored events q selects, in q's order,
// without the limit.
func want(stored []store.AuditEvent, q store.AuditQuery) []int64 {
	var out []int64
	for _, ev := range stored {
		if matches(ev, q) {
			out = append(out, ev.Seq)
		}
	}
	if q.Desc {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

func mustSearch(t *testing.T, s store.Store, q store.AuditQuery) []store.AuditEvent {
	t.Helper()
	evs, err := s.SearchAuditEvents(testContext(t), q)
	if err != nil {
		t.Fatalf("SearchAuditEvents(%+v): %v", q, err)
	}
	return evs
}

// Ensure a search of an empty log finds nothing and is no error.
func testAuditSearchEmpty(t *testing.T, s store.Store) {
	if evs := mustSearch(t, s, store.AuditQuery{Limit: 10}); len(evs) != 0 {
		t.Errorf("SearchAuditEvents on an empty log = Seqs %v, want none", seqs(evs))
	}
	if evs := mustSearch(t, s, store.AuditQuery{Actor: "corp:alice", Desc: true, Limit: 10}); len(evs) != 0 {
		t.Errorf("SearchAuditEvents(actor) on an empty log = Seqs %v, want none", seqs(evs))
	}
}

// Ensure each filter selects exactly its events, alone and combined, and
// events come back whole.
func testAuditSearchFilters(t *testing.T, s store.Store) {
	stored := mustAppendAuditEvents(t, s, searchLog()...)
	all := store.MaxAuditQueryLimit
	tests := []struct {
		name string
		q    store.AuditQuery
		// n is the number of events expected, worked out by hand, so the
		// reference matcher is checked too.
		n int
	}{
		{"none", store.AuditQuery{}, 36},
		{"actor", store.AuditQuery{Actor: "corp:alice"}, 12},
		{"app", store.AuditQuery{App: "hr-portal"}, 18},
		{"agent", store.AuditQuery{Agent: "it-helpdesk"}, 12},
		{"empty agent is any agent", store.AuditQuery{Agent: ""}, 36},
		{"type", store.AuditQuery{Type: "request.refused"}, 12},
		{"outcome", store.AuditQuery{Outcome: "denied"}, 12},
		{"since", store.AuditQuery{Since: t0.Add(30 * time.Second)}, 6},
		{"until", store.AuditQuery{Until: t0.Add(6 * time.Second)}, 6},
		{"actor and app", store.AuditQuery{Actor: "corp:bob", App: "web-chat"}, 6},
		{"type and outcome", store.AuditQuery{Type: "chat.completion", Outcome: "success"}, 4},
		{"every field", store.AuditQuery{Actor: "corp:alice", App: "web-chat", Agent: "hr-helpdesk", Type: "chat.completion", Outcome: "success"}, 1},
		{"time window and actor", store.AuditQuery{Since: t0.Add(12 * time.Second), Until: t0.Add(24 * time.Second), Actor: "local:carol"}, 4},
		{"no match", store.AuditQuery{Actor: "corp:alice", Outcome: "error", Type: "auth.signin", App: "web-chat"}, 0},
		{"unknown actor", store.AuditQuery{Actor: "corp:mallory"}, 0},
		{"cursor window", store.AuditQuery{AfterSeq: 10, BeforeSeq: 15}, 4},
		{"cursor window and filter", store.AuditQuery{AfterSeq: 10, BeforeSeq: 30, App: "web-chat"}, 10},
		{"empty window", store.AuditQuery{AfterSeq: 10, BeforeSeq: 11}, 0},
	}
	for _, tt := range tests {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/desc=%v", tt.name, desc), func(t *testing.T) {
				q := tt.q
				q.Desc, q.Limit = desc, all
				w := want(stored, q)
				if len(w) != tt.n {
					t.Fatalf("the reference selects %d events, the case expects %d", len(w), tt.n)
				}
				got := mustSearch(t, s, q)
				if diff := cmp.Diff(w, seqs(got), diffOpts...); diff != "" {
					t.Errorf("SearchAuditEvents(%+v) Seqs (-want +got):\n%s", q, diff)
				}
			})
		}
	}

	got := mustSearch(t, s, store.AuditQuery{Limit: all})
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("SearchAuditEvents returned events other than those stored (-want +got):\n%s", diff)
	}
}

// Ensure the text filters match exactly: no prefixes, no case folding, no
// wildcards, and values that look like SQL are only values.
func testAuditSearchExactMatch(t *testing.T, s store.Store) {
	evs := searchLog()[:6]
	odd := newAuditEvent("ev-odd", t0)
	odd.Actor, odd.App, odd.Agent = "corp:o'brien", "app_%", `agent"; DROP TABLE audit_events; --`
	evs = append(evs, odd)
	stored := mustAppendAuditEvents(t, s, evs...)
	oddSeq := stored[len(stored)-1].Seq
	tests := []struct {
		name string
		q    store.AuditQuery
		want []int64
	}{
		{"prefix", store.AuditQuery{Actor: "corp:ali"}, nil},
		{"case", store.AuditQuery{Actor: "CORP:ALICE"}, nil},
		{"like wildcard", store.AuditQuery{App: "%"}, nil},
		{"like wildcard in value", store.AuditQuery{App: "app__"}, nil},
		{"quote", store.AuditQuery{Actor: "corp:o'brien"}, []int64{oddSeq}},
		{"percent and underscore", store.AuditQuery{App: "app_%"}, []int64{oddSeq}},
		{"injection", store.AuditQuery{Actor: "x' OR '1'='1"}, nil},
		{"statement in value", store.AuditQuery{Agent: `agent"; DROP TABLE audit_events; --`}, []int64{oddSeq}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Limit = 100
			if diff := cmp.Diff(tt.want, seqs(mustSearch(t, s, tt.q)), diffOpts...); diff != "" {
				t.Errorf("SearchAuditEvents(%+v) Seqs (-want +got):\n%s", tt.q, diff)
			}
		})
	}
	if n := len(mustListAuditEvents(t, s, 0, 0)); n != len(evs) {
		t.Errorf("the log holds %d events after the searches, want %d", n, len(evs))
	}
}

// Ensure Since is inclusive and Until exclusive, to the microsecond, and
// sub-microsecond digits of a bound round up.
func testAuditSearchTimeBounds(t *testing.T, s store.Store) {
	base := t0.Truncate(time.Second)
	var evs []store.AuditEvent
	for i, off := range []time.Duration{0, time.Microsecond, 2 * time.Microsecond, time.Second} {
		evs = append(evs, newAuditEvent(fmt.Sprintf("ev-%d", i), base.Add(off)))
	}
	mustAppendAuditEvents(t, s, evs...) // Seqs 1..4
	us := time.Microsecond
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	tests := []struct {
		name         string
		since, until time.Time
		want         []int64
	}{
		{"since is inclusive", base.Add(us), time.Time{}, []int64{2, 3, 4}},
		{"until is exclusive", time.Time{}, base.Add(2 * us), []int64{1, 2}},
		{"one microsecond", base.Add(us), base.Add(2 * us), []int64{2}},
		{"empty range", base.Add(us), base.Add(us), nil},
		{"inverted range", base.Add(2 * us), base.Add(us), nil},
		{"since rounds up", base.Add(us + time.Nanosecond), time.Time{}, []int64{3, 4}},
		{"until rounds up", time.Time{}, base.Add(us + time.Nanosecond), []int64{1, 2}},
		{"other zone", base.Add(us).In(zone), base.Add(time.Second).In(zone), []int64{2, 3}},
		{"before everything", time.Time{}, base, nil},
		{"after everything", base.Add(2 * time.Second), time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := store.AuditQuery{Since: tt.since, Until: tt.until, Limit: 10}
			if diff := cmp.Diff(tt.want, seqs(mustSearch(t, s, q)), diffOpts...); diff != "" {
				t.Errorf("SearchAuditEvents(since %v, until %v) Seqs (-want +got):\n%s", tt.since, tt.until, diff)
			}
		})
	}
}

// Ensure the limit keeps the first events in the order asked for: the
// oldest ascending, the newest descending.
func testAuditSearchOrder(t *testing.T, s store.Store) {
	mustAppendAuditEvents(t, s, searchLog()...)
	if diff := cmp.Diff(seqRange(1, 5), seqs(mustSearch(t, s, store.AuditQuery{Limit: 5}))); diff != "" {
		t.Errorf("ascending, limit 5 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{36, 35, 34, 33, 32}, seqs(mustSearch(t, s, store.AuditQuery{Desc: true, Limit: 5}))); diff != "" {
		t.Errorf("descending, limit 5 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{36}, seqs(mustSearch(t, s, store.AuditQuery{Desc: true, Limit: 1}))); diff != "" {
		t.Errorf("descending, limit 1 (-want +got):\n%s", diff)
	}
}

// Ensure cursors page through every match, in both orders, with no gap
// and no event twice, also when events are appended between pages.
func testAuditSearchPaging(t *testing.T, s store.Store) {
	stored := mustAppendAuditEvents(t, s, searchLog()...)
	filters := []store.AuditQuery{
		{},
		{App: "web-chat"},
		{Actor: "corp:bob", Since: t0.Add(5 * time.Second), Until: t0.Add(31 * time.Second)},
		{Outcome: "error", Type: "auth.signin"},
	}
	for i, f := range filters {
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{1, 4, 7, 36, 100} {
				t.Run(fmt.Sprintf("filter %d/desc=%v/limit=%d", i, desc, limit), func(t *testing.T) {
					q := f
					q.Desc, q.Limit = desc, limit
					var got []int64
					for pages := 0; ; pages++ {
						if pages > len(stored)+1 {
							t.Fatalf("paging did not end after %d pages", pages)
						}
						page := mustSearch(t, s, q)
						if len(page) > limit {
							t.Fatalf("page of %d events, limit %d", len(page), limit)
						}
						got = append(got, seqs(page)...)
						if len(page) < limit {
							break
						}
						if last := page[len(page)-1].Seq; desc {
							q.BeforeSeq = last
						} else {
							q.AfterSeq = last
						}
					}
					w := f
					w.Desc = desc
					if diff := cmp.Diff(want(stored, w), got, diffOpts...); diff != "" {
						t.Errorf("paged Seqs (-want +got):\n%s", diff)
					}
				})
			}
		}
	}

	// Ascending paging picks up events appended after it started.
	q := store.AuditQuery{Limit: 30}
	first := mustSearch(t, s, q)
	more := auditBatch("late", 3)
	mustAppendAuditEvents(t, s, more...)
	q.AfterSeq = first[len(first)-1].Seq
	rest := mustSearch(t, s, q)
	if diff := cmp.Diff(seqRange(1, 39), append(seqs(first), seqs(rest)...)); diff != "" {
		t.Errorf("paging across appends (-want +got):\n%s", diff)
	}
}

// Ensure a limit outside 1..MaxAuditQueryLimit and negative cursors are
// refused with ErrInvalid, and the bounds themselves are accepted.
func testAuditSearchLimits(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustAppendAuditEvents(t, s, auditBatch("a", 3)...)
	for _, q := range []store.AuditQuery{
		{Limit: 0},
		{Limit: -1},
		{Limit: store.MaxAuditQueryLimit + 1},
		{Limit: 1 << 40},
		{Limit: 10, AfterSeq: -1},
		{Limit: 10, BeforeSeq: -1},
	} {
		if evs, err := s.SearchAuditEvents(ctx, q); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SearchAuditEvents(%+v) = %d events, %v; want ErrInvalid", q, len(evs), err)
		}
	}
	for _, limit := range []int{1, store.MaxAuditQueryLimit} {
		evs := mustSearch(t, s, store.AuditQuery{Limit: limit})
		if wantN := min(limit, 3); len(evs) != wantN {
			t.Errorf("SearchAuditEvents(limit %d) = %d events, want %d", limit, len(evs), wantN)
		}
	}
}
