package export

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// testSecret signs the test webhooks.
var testSecret = []byte("0123456789abcdef-test-secret")

// openStore opens a SQLite store on a file in dir and closes it when the
// test ends (closing twice is harmless).
func openStore(t testing.TB, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newJournal starts an audit journal on st, closed when the test ends.
func newJournal(t testing.TB, st store.Journal) *audit.Journal {
	t.Helper()
	j := audit.NewJournal(st, audit.JournalOptions{})
	t.Cleanup(j.Close)
	return j
}

// record commits n events through the journal, from several goroutines
// so that they are group-committed.
func record(t testing.TB, j *audit.Journal, n int) {
	t.Helper()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				_, err := j.Record(context.Background(), audit.Event{
					Type: audit.TypeChatCompletion, RequestID: fmt.Sprintf("req-%d", i), Outcome: audit.OutcomeSuccess,
					Actor: "alice", App: "web-chat", Agent: "hr-helpdesk", Data: map[string]any{"n": i},
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// storedIDs returns the ids of every stored event, in Seq order.
func storedIDs(t testing.TB, st store.AuditEvents) []string {
	t.Helper()
	evs, err := st.ListAuditEvents(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(evs))
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("stored event %d has Seq %d", i, ev.Seq)
		}
		ids[i] = ev.ID
	}
	return ids
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newExporter starts an exporter, closed when the test ends.
func newExporter(t testing.TB, st Store, sink Sink, opts Options) *Exporter {
	t.Helper()
	e, err := New(st, sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// receiver is a webhook receiver. Every request's signature and batch
// header are checked; respond decides the answer to request n (from 1)
// and whether its events count as received.
type receiver struct {
	t       testing.TB
	respond func(n int, r *http.Request) (status int, keep bool)

	mu       sync.Mutex
	requests int
	ids      []string
	events   []Event
	bad      []string
}

func newReceiver(t testing.TB, respond func(n int, r *http.Request) (int, bool)) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, respond: respond}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, 1<<16)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	var batch struct {
		Events []Event `json:"events"`
	}
	var problems []string
	if err := VerifySignature(testSecret, r.Header.Get(SignatureHeader), body, time.Now(), time.Minute); err != nil {
		problems = append(problems, err.Error())
	}
	if err := json.Unmarshal(body, &batch); err != nil || len(batch.Events) == 0 {
		problems = append(problems, fmt.Sprintf("body: %v (%d events)", err, len(batch.Events)))
	} else if h, want := r.Header.Get(BatchHeader), batch.Events[0].ID+".."+batch.Events[len(batch.Events)-1].ID; h != want {
		problems = append(problems, fmt.Sprintf("batch header %q, want %q", h, want))
	}
	rc.mu.Lock()
	rc.requests++
	n := rc.requests
	rc.bad = append(rc.bad, problems...)
	rc.mu.Unlock()
	status, keep := http.StatusOK, true
	if rc.respond != nil {
		status, keep = rc.respond(n, r)
	}
	if keep {
		rc.mu.Lock()
		for _, ev := range batch.Events {
			rc.ids = append(rc.ids, ev.ID)
			rc.events = append(rc.events, ev)
		}
		rc.mu.Unlock()
	}
	w.WriteHeader(status)
}

// received returns the ids received so far.
func (rc *receiver) received() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.ids)
}

// check fails the test if a request was malformed or badly signed.
func (rc *receiver) check() {
	rc.t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, p := range rc.bad {
		rc.t.Errorf("receiver: %s", p)
	}
}

// newWebhook returns a webhook sink posting to url with the test secret.
func newWebhook(t testing.TB, srv *httptest.Server, url string) *Webhook {
	t.Helper()
	w, err := NewWebhook(WebhookOptions{Name: "siem", URL: url, Secret: testSecret, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// storedCursor returns the sink's stored cursor.
func storedCursor(t testing.TB, st store.ExportCursors, sink string) int64 {
	t.Helper()
	c, err := st.GetExportCursor(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
