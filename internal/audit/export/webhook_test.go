package export

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/audit"
)

// Ensure every event reaches the webhook exactly once, in Seq order, in
// signed batches, the cursor is stored, and the lag drops to zero.
func TestWebhookDeliversEveryEventOnceInOrder(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	record(t, j, 1000)
	rc, srv := newReceiver(t, nil)
	e := newExporter(t, st, newWebhook(t, srv, srv.URL+"/ingest"), Options{Batch: 100, Poll: 10 * time.Millisecond})
	want := storedIDs(t, st)
	waitFor(t, "1000 events delivered", func() bool { return e.Stats().Cursor == 1000 })

	// More events arrive while the export runs.
	record(t, j, 234)
	want = storedIDs(t, st)
	waitFor(t, "1234 events delivered", func() bool { return e.Stats().Cursor == 1234 })
	time.Sleep(50 * time.Millisecond) // room for a stray duplicate to show
	rc.check()
	if diff := cmp.Diff(want, rc.received()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
	s := e.Stats()
	if s.Delivered != 1234 || s.Failures != 0 || s.Batches < 13 {
		t.Errorf("stats %+v, want 1234 delivered in 13+ batches, no failures", s)
	}
	if c := storedCursor(t, st, "siem"); c != 1234 {
		t.Errorf("stored cursor %d, want 1234", c)
	}
	if n, age, err := e.Lag(t.Context()); err != nil || n != 0 || age != 0 {
		t.Errorf("Lag = %d, %v, %v; want 0, 0", n, age, err)
	}
	rc.mu.Lock()
	ev := rc.events[0]
	rc.mu.Unlock()
	if ev.Seq != 1 || ev.Type != "chat.completion" || ev.Outcome != "success" || ev.Actor != "alice" ||
		ev.App != "web-chat" || ev.Agent != "hr-helpdesk" || !strings.HasPrefix(ev.RequestID, "req-") ||
		!strings.HasPrefix(string(ev.Data), `{"n":`) || ev.Time.IsZero() {
		t.Errorf("first event received: %+v", ev)
	}
}

// Ensure Notify delivers new events at once, without waiting for the poll.
func TestNotifyWakesTheExporter(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	rc, srv := newReceiver(t, nil)
	e := newExporter(t, st, newWebhook(t, srv, srv.URL), Options{Poll: time.Hour})
	waitFor(t, "the cursor to be read", func() bool {
		_, _, err := e.Lag(t.Context())
		return err == nil && e.Stats().LastError == ""
	})
	time.Sleep(20 * time.Millisecond) // let the first (empty) poll pass
	record(t, j, 3)
	e.Notify()
	waitFor(t, "3 events delivered after Notify", func() bool { return len(rc.received()) == 3 })
	rc.check()
}

// Ensure failures are retried with backoff until the receiver accepts:
// 500s, a 400 (counted as a rejection), a receiver that hangs (cut off by
// the timeout) and a 429; every event then arrives once, and the error
// text carries neither the URL's query nor the extra headers.
func TestWebhookRetriesFailures(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	record(t, j, 50)
	const token, bearer = "q-token-s3cr3t", "hdr-s3cr3t"
	var sawBearer atomic.Bool
	rc, srv := newReceiver(t, func(n int, r *http.Request) (int, bool) {
		if r.Header.Get("Authorization") == "Bearer "+bearer && r.URL.Query().Get("token") == token {
			sawBearer.Store(true)
		}
		switch n {
		case 1, 2:
			return http.StatusInternalServerError, false
		case 3:
			return http.StatusBadRequest, false
		case 4:
			<-r.Context().Done() // hang until the exporter gives up
			return http.StatusOK, false
		case 5:
			return http.StatusTooManyRequests, false
		}
		return http.StatusOK, true
	})
	w, err := NewWebhook(WebhookOptions{Name: "siem", URL: srv.URL + "/in?token=" + token, Secret: testSecret,
		Client: srv.Client(), Header: http.Header{"Authorization": {"Bearer " + bearer}}})
	if err != nil {
		t.Fatal(err)
	}
	var lastErrs []string
	e := newExporter(t, st, w, Options{Batch: 20, Poll: 10 * time.Millisecond, Timeout: 300 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	seen := map[string]bool{}
	waitFor(t, "50 events delivered", func() bool {
		if s := e.Stats(); s.LastError != "" && !seen[s.LastError] {
			seen[s.LastError] = true
			lastErrs = append(lastErrs, s.LastError)
		}
		return e.Stats().Cursor == 50
	})
	rc.check()
	if diff := cmp.Diff(storedIDs(t, st), rc.received()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
	s := e.Stats()
	if s.Failures != 5 || s.Rejected != 1 || s.ConsecutiveFailures != 0 || s.Delivered != 50 {
		t.Errorf("stats %+v; want 5 failures, 1 rejected, 0 consecutive, 50 delivered", s)
	}
	if !sawBearer.Load() {
		t.Error("the extra header or the URL query did not reach the receiver")
	}
	all := strings.Join(append(lastErrs, s.LastError), "\n")
	for _, want := range []string{"500 Internal Server Error", "400 Bad Request", "timed out", "429 Too Many Requests"} {
		if !strings.Contains(all, want) {
			t.Errorf("no error mentions %q; errors seen:\n%s", want, all)
		}
	}
	for _, secret := range []string{token, bearer, string(testSecret), "v1="} {
		if strings.Contains(all, secret) {
			t.Errorf("an error text reveals %q:\n%s", secret, all)
		}
	}
}

// Ensure an exporter that stops (a restart) and a new one on the same
// store continue from the stored cursor: the receiver sees no gap, and
// sees twice only the batch whose acknowledgement was lost.
func TestResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	j := audit.NewJournal(st, audit.JournalOptions{})
	record(t, j, 100)
	// Three batches are acknowledged; the fourth arrives but its
	// acknowledgement is lost (a 503 after keeping it); then the receiver
	// is down.
	var lost atomic.Bool
	rc, srv := newReceiver(t, func(n int, r *http.Request) (int, bool) {
		switch {
		case lost.Load():
			return http.StatusServiceUnavailable, false
		case n <= 3:
			return http.StatusOK, true
		}
		lost.Store(true)
		return http.StatusServiceUnavailable, true
	})
	e, err := New(st, newWebhook(t, srv, srv.URL), Options{Batch: 10, Poll: 10 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the lost acknowledgement and a retry", func() bool { return e.Stats().Failures >= 2 })
	e.Close()
	if c := storedCursor(t, st, "siem"); c != 30 {
		t.Fatalf("stored cursor after the first run %d, want 30", c)
	}
	first := storedIDs(t, st)
	j.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The restart: a new store handle on the same file, more events, a
	// new exporter, and the receiver back.
	st = openStore(t, dir)
	record(t, newJournal(t, st), 50)
	all := storedIDs(t, st)
	if !slices.Equal(all[:100], first) {
		t.Fatal("the reopened store lost events")
	}
	rc2, srv2 := newReceiver(t, nil)
	rc2.mu.Lock()
	rc2.ids = rc.received() // one receiver's view across the restart
	rc2.mu.Unlock()
	e2 := newExporter(t, st, newWebhook(t, srv2, srv2.URL), Options{Batch: 10, Poll: 10 * time.Millisecond})
	waitFor(t, "150 events delivered", func() bool { return e2.Stats().Cursor == 150 })
	rc.check()
	rc2.check()
	want := slices.Concat(all[:40], all[30:]) // events 31–40 twice: their acknowledgement was lost
	if diff := cmp.Diff(want, rc2.received()); diff != "" {
		t.Errorf("received ids (-want +got):\n%s", diff)
	}
	if s := e2.Stats(); s.Delivered != 120 {
		t.Errorf("second exporter delivered %d events, want 120 (from the stored cursor 30)", s.Delivered)
	}
}

// Ensure signatures verify over the exact body, and a tampered body, a
// wrong secret, a stale timestamp or a malformed header fail.
func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	body := []byte(`{"events":[{"id":"ev_1"}]}`)
	h := sign(testSecret, now, body)
	if !strings.HasPrefix(h, "t=1750000000,v1=") || len(h) != len("t=1750000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if err := VerifySignature(testSecret, h, body, now.Add(time.Minute), 0); err != nil {
		t.Errorf("valid signature: %v", err)
	}
	// Rotation: another v1 beside the right one.
	other := sign([]byte("another-secret-of-16+"), now, body)
	rot := h + "," + other[strings.Index(other, "v1="):]
	if err := VerifySignature(testSecret, rot, body, now, time.Minute); err != nil {
		t.Errorf("signature among two: %v", err)
	}
	tampered := []byte(`{"events":[{"id":"ev_2"}]}`)
	bad := []struct {
		name, header string
		secret, body []byte
		now          time.Time
	}{
		{"tampered body", h, testSecret, tampered, now},
		{"body with a trailing newline", h, testSecret, append(body[:len(body):len(body)], '\n'), now},
		{"wrong secret", h, []byte("wrong-secret-0123456"), body, now},
		{"too old", h, testSecret, body, now.Add(6 * time.Minute)},
		{"from the future", h, testSecret, body, now.Add(-6 * time.Minute)},
		{"timestamp changed", strings.Replace(h, "t=1750000000", "t=1750000001", 1), testSecret, body, now},
		{"no v1", "t=1750000000", testSecret, body, now},
		{"no timestamp", h[strings.Index(h, "v1="):], testSecret, body, now},
		{"empty", "", testSecret, body, now},
		{"garbage", "sha256=abc", testSecret, body, now},
		{"no secret", h, nil, body, now},
	}
	for _, c := range bad {
		if err := VerifySignature(c.secret, c.header, c.body, c.now, 0); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", c.name, err)
		}
	}
}

// Ensure NewWebhook refuses incomplete or unsafe options.
func TestNewWebhookOptions(t *testing.T) {
	ok := WebhookOptions{Name: "siem", URL: "https://siem.example.com/in", Secret: testSecret, Client: http.DefaultClient}
	if _, err := NewWebhook(ok); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	for name, mod := range map[string]func(*WebhookOptions){
		"no name":      func(o *WebhookOptions) { o.Name = "" },
		"relative URL": func(o *WebhookOptions) { o.URL = "/in" },
		"ftp URL":      func(o *WebhookOptions) { o.URL = "ftp://siem.example.com/" },
		"short secret": func(o *WebhookOptions) { o.Secret = []byte("short") },
		"no client":    func(o *WebhookOptions) { o.Client = nil },
	} {
		o := ok
		mod(&o)
		if _, err := NewWebhook(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Ensure the lag counts undelivered events and the age of the oldest,
// and drops to zero once they are delivered.
func TestLag(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	old := time.Now().Add(-time.Hour)
	for i := range 10 {
		if _, err := j.Record(t.Context(), audit.Event{Type: "test", Outcome: "success", Time: old.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	var up atomic.Bool
	sink := &funcSink{name: "siem", send: func(context.Context, []Event) error {
		if !up.Load() {
			return errors.New("down")
		}
		return nil
	}}
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	waitFor(t, "a failed delivery", func() bool { return e.Stats().Failures > 0 })
	n, age, err := e.Lag(t.Context())
	if err != nil || n != 10 || age < time.Hour || age > time.Hour+time.Minute {
		t.Errorf("Lag while the sink is down = %d, %v, %v; want 10, about 1h", n, age, err)
	}
	up.Store(true)
	waitFor(t, "the events delivered", func() bool { return e.Stats().Cursor == 10 })
	if n, age, err := e.Lag(t.Context()); err != nil || n != 0 || age != 0 {
		t.Errorf("Lag once delivered = %d, %v, %v; want 0, 0", n, age, err)
	}
}

// Ensure StartAtEnd skips the events stored before a sink's first run,
// and only then: a stored cursor wins.
func TestStartAtEnd(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	record(t, j, 5)
	got := make(chan []Event, 10)
	sink := &funcSink{name: "siem", send: func(_ context.Context, evs []Event) error { got <- evs; return nil }}
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond, StartAtEnd: true})
	waitFor(t, "the cursor stored", func() bool { return storedCursor(t, st, "siem") == 5 })
	record(t, j, 2)
	e.Notify()
	var seqs []int64
	for len(seqs) < 2 {
		for _, ev := range <-got {
			seqs = append(seqs, ev.Seq)
		}
	}
	if !slices.Equal(seqs, []int64{6, 7}) {
		t.Errorf("delivered events %v, want 6 and 7", seqs)
	}
}

// Ensure a sink that ignores its context cannot stall the export: the
// attempt is abandoned after the timeout, and the next waits for it.
func TestHangingSinkIsAbandoned(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 3)
	release := make(chan struct{})
	var calls atomic.Int32
	sink := &funcSink{name: "siem", send: func(context.Context, []Event) error {
		if calls.Add(1) == 1 {
			<-release // ignores ctx
			return errors.New("released")
		}
		return nil
	}}
	e := newExporter(t, st, sink, Options{Timeout: 20 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	// The abandonment is reported, then every retry says the abandoned
	// Send has not returned yet: either text shows it was abandoned.
	waitFor(t, "the abandoned attempt", func() bool {
		le := e.Stats().LastError
		return strings.Contains(le, "did not return within") || strings.Contains(le, "abandoned after its timeout")
	})
	time.Sleep(30 * time.Millisecond)
	if c := calls.Load(); c != 1 {
		t.Errorf("%d Sends while the first has not returned, want 1", c)
	}
	close(release)
	waitFor(t, "the events delivered", func() bool { return e.Stats().Cursor == 3 })
}

// funcSink is a Sink calling send.
type funcSink struct {
	name string
	send func(ctx context.Context, evs []Event) error
}

func (f *funcSink) Name() string                                { return f.name }
func (f *funcSink) Send(ctx context.Context, evs []Event) error { return f.send(ctx, evs) }

// flakyCursors fails SetExportCursor while fail is set.
type flakyCursors struct {
	Store
	fail atomic.Bool
}

func (f *flakyCursors) SetExportCursor(ctx context.Context, sink string, seq int64, at time.Time) error {
	if f.fail.Load() {
		return errors.New("cursor write failed")
	}
	return f.Store.SetExportCursor(ctx, sink, seq, at)
}

// Ensure a cursor that could not be stored after an acknowledged batch
// is stored once the store recovers, without sending the batch again.
func TestCursorStoredAfterStoreRecovers(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 10)
	fc := &flakyCursors{Store: st}
	fc.fail.Store(true)
	rc, srv := newReceiver(t, nil)
	e := newExporter(t, fc, newWebhook(t, srv, srv.URL), Options{Poll: 10 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	waitFor(t, "failed cursor writes", func() bool { return e.Stats().Failures >= 3 })
	if c := storedCursor(t, st, "siem"); c != 0 {
		t.Fatalf("stored cursor %d while writes fail", c)
	}
	fc.fail.Store(false)
	waitFor(t, "the cursor stored", func() bool { return storedCursor(t, st, "siem") == 10 })
	if diff := cmp.Diff(storedIDs(t, st), rc.received()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
}

// Ensure a CommitNotifier set as the journal's observer wakes the
// exporter after a commit, and passes the commit on.
func TestCommitNotifierWakesOnCommit(t *testing.T) {
	st := openStore(t, t.TempDir())
	rc, srv := newReceiver(t, nil)
	e := newExporter(t, st, newWebhook(t, srv, srv.URL), Options{Poll: time.Hour})
	time.Sleep(20 * time.Millisecond) // let the first (empty) poll pass
	var next countObserver
	j := audit.NewJournal(st, audit.JournalOptions{Observer: CommitNotifier{Next: &next, Exporters: []*Exporter{e}}})
	t.Cleanup(j.Close)
	record(t, j, 3)
	waitFor(t, "3 events delivered after the commits", func() bool { return len(rc.received()) == 3 })
	if next.n.Load() == 0 {
		t.Error("the next observer was not told of the commits")
	}
}

type countObserver struct{ n atomic.Int64 }

func (c *countObserver) ObserveCommit(time.Duration, int, error) { c.n.Add(1) }

// Ensure a redirect is never followed (Go would turn the POST into a GET
// without the body, and its 200 would acknowledge a batch never
// received): it is a rejection, and the batch is sent again.
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 5)
	var gets atomic.Int32
	rc, srv := newReceiver(t, func(n int, r *http.Request) (int, bool) { return http.StatusOK, true })
	mux := http.NewServeMux()
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	})
	mux.Handle("/", rc)
	srv.Config.Handler = mux
	w := newWebhook(t, srv, srv.URL+"/moved")
	e := newExporter(t, st, w, Options{Poll: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	waitFor(t, "rejections", func() bool { return e.Stats().Rejected >= 2 })
	if s := e.Stats(); s.Cursor != 0 || !strings.Contains(s.LastError, "302") {
		t.Errorf("stats after redirects %+v; want cursor 0 and a 302 error", s)
	}
	if g := gets.Load(); g != 0 {
		t.Errorf("the redirect was followed %d times", g)
	}
}
