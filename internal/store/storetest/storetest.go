package storetest

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palisade-gw/palisade/internal/store"
)

// suiteTimeout bounds one RunTests call. A store that deadlocks makes the
// suite dump every goroutine's stack and panic, rather than wait for the
// go test timeout, whose dump comes without saying which subtest hung.
const suiteTimeout = 5 * time.Minute

// opTimeout bounds the store calls of one subtest.
const opTimeout = time.Minute

// subTest is one conformance check, run against a fresh store.
type subTest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// RunTests runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and must return a fresh, empty
// store; the suite closes it when the subtest ends.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	timeout := suiteTimeout
	if deadline, ok := t.Deadline(); ok {
		// Leave time for the dump before go test's own -timeout fires.
		if left := time.Until(deadline) - 10*time.Second; left > 0 && left < timeout {
			timeout = left
		}
	}
	name := t.Name()
	timer := time.AfterFunc(timeout, func() { dumpAndPanic(name, timeout) })
	defer timer.Stop()

	runGroup(t, "Store", newStore, storeTests)
	runGroup(t, "Conversations", newStore, conversationTests)
	runGroup(t, "Messages", newStore, messageTests)
	runGroup(t, "AuditEvents", newStore, auditTests)
	runGroup(t, "AuditSearch", newStore, auditSearchTests)
	runGroup(t, "Records", newStore, recordTests)
	runGroup(t, "Checkpoints", newStore, checkpointTests)
	runGroup(t, "ExportCursors", newStore, exportCursorTests)
	runGroup(t, "Keys", newStore, keyTests)
	runGroup(t, "Secrets", newStore, secretTests)
	runGroup(t, "Sessions", newStore, sessionTests)
	runGroup(t, "Users", newStore, userTests)
	runGroup(t, "ServicePrincipals", newStore, servicePrincipalTests)
	runGroup(t, "Times", newStore, timeTests)
	runGroup(t, "Concurrency", newStore, concurrencyTests)
}

func runGroup(t *testing.T, group string, newStore func(t *testing.T) store.Store, tests []subTest) {
	t.Run(group, func(t *testing.T) {
		for _, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				s := newStore(t)
				t.Cleanup(func() {
					if err := s.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
				test.run(t, s)
			})
		}
	})
}

var storeTests = []subTest{
	{"Ping", testPing},
}

// Ensure a fresh store answers Ping and is empty.
func testPing(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if cs, err := s.ListConversations(ctx, store.ConversationFilter{}); err != nil || len(cs) != 0 {
		t.Errorf("ListConversations on a fresh store = %d conversations, %v; want none", len(cs), err)
	}
	if evs, err := s.ListAuditEvents(ctx, 0, 0); err != nil || len(evs) != 0 {
		t.Errorf("ListAuditEvents on a fresh store = %d events, %v; want none", len(evs), err)
	}
}

// dumpAndPanic writes every goroutine's stack to stderr and panics, which
// ends the test binary: a hung store cannot be recovered from.
func dumpAndPanic(name string, timeout time.Duration) {
	fmt.Fprintf(os.Stderr, "storetest: %s did not finish within %v; goroutines:\n\n", name, timeout)
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
	panic(fmt.Sprintf("storetest: %s timed out after %v", name, timeout))
}

// testContext returns a context that ends with the subtest or after
// opTimeout, whichever comes first.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// t0 is a base time with microsecond digits and no sub-microsecond ones,
// which every store keeps exactly.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC)

// diffOpts treats nil and empty slices alike: stores may return either for
// an empty list or a nil Payload.
var diffOpts = []cmp.Option{cmpopts.EquateEmpty()}

// newConversation returns a valid conversation created at created.
func newConversation(id string, created time.Time) store.Conversation {
	return store.Conversation{
		ID:          id,
		Environment: "prod",
		Region:      "eu-west",
		Agent:       "hr-helpdesk",
		App:         "web-chat",
		User:        "alice",
		Channel:     "openai",
		CreatedAt:   created,
		UpdatedAt:   created,
		ExpiresAt:   created.Add(30 * 24 * time.Hour),
	}
}

// newMessage returns a valid message of the conversation.
func newMessage(conversationID, id string, created time.Time) store.Message {
	return store.Message{
		ConversationID: conversationID,
		ID:             id,
		Role:           "user",
		From:           "alice",
		Text:           "How many days of leave do I have left?",
		Payload:        []byte(`{"attachments":[]}`),
		CreatedAt:      created,
	}
}

// newAuditEvent returns a valid audit event.
func newAuditEvent(id string, at time.Time) store.AuditEvent {
	return store.AuditEvent{
		ID:        id,
		Time:      at,
		Type:      "access.decision",
		RequestID: "req-" + id,
		Outcome:   "allow",
		Actor:     "alice",
		App:       "web-chat",
		Agent:     "hr-helpdesk",
		Data:      []byte(`{"reason":"role-granted"}`),
	}
}

func mustCreateConversation(t *testing.T, s store.Store, c store.Conversation) {
	t.Helper()
	if err := s.CreateConversation(testContext(t), c); err != nil {
		t.Fatalf("CreateConversation(%q): %v", c.ID, err)
	}
}

func mustAppendMessage(t *testing.T, s store.Store, m store.Message) store.Message {
	t.Helper()
	got, err := s.AppendMessage(testContext(t), m)
	if err != nil {
		t.Fatalf("AppendMessage(%q, %q): %v", m.ConversationID, m.ID, err)
	}
	return got
}

func mustListMessages(t *testing.T, s store.Store, conversationID string, afterSeq int64, limit int) []store.Message {
	t.Helper()
	ms, err := s.ListMessages(testContext(t), conversationID, afterSeq, limit)
	if err != nil {
		t.Fatalf("ListMessages(%q, %d, %d): %v", conversationID, afterSeq, limit, err)
	}
	return ms
}

func mustAppendAuditEvents(t *testing.T, s store.Store, evs ...store.AuditEvent) []store.AuditEvent {
	t.Helper()
	got, err := s.AppendAuditEvents(testContext(t), evs)
	if err != nil {
		t.Fatalf("AppendAuditEvents(%d events): %v", len(evs), err)
	}
	return got
}

func mustListAuditEvents(t *testing.T, s store.Store, afterSeq int64, limit int) []store.AuditEvent {
	t.Helper()
	evs, err := s.ListAuditEvents(testContext(t), afterSeq, limit)
	if err != nil {
		t.Fatalf("ListAuditEvents(%d, %d): %v", afterSeq, limit, err)
	}
	return evs
}

// seqs returns the Seqs of messages or events, for compact diffs.
func seqs[T store.Message | store.AuditEvent](xs []T) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		switch v := any(x).(type) {
		case store.Message:
			out = append(out, v.Seq)
		case store.AuditEvent:
			out = append(out, v.Seq)
		}
	}
	return out
}

// seqRange returns from, from+1, …, to.
func seqRange(from, to int64) []int64 {
	out := make([]int64, 0, max(0, to-from+1))
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
