//go:build unix

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/mockllm"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// The crash harness's knobs, read from the environment.
const (
	crashKillsEnv = "PALISADE_CRASH_KILLS" // rounds, each ended by SIGKILL (default 20)
	crashSeedEnv  = "PALISADE_CRASH_SEED"  // seed of the random kill moments and request mix
)

// Shape of one round of the crash harness.
const (
	crashClients  = 8                      // concurrent clients
	crashMinDelay = 50 * time.Millisecond  // earliest kill after the process is ready
	crashMaxDelay = 600 * time.Millisecond // latest kill
	crashSecret   = "crash_app_secret_0123456789abcdefghijklmnopqrstuvwxyz"
	crashWrong    = "crash_wrong_secret_0123456789abcdefghijklmnopqrstuvwxy"
)

// crashKind is what a client asked for.
type crashKind int

const (
	crashChat    crashKind = iota // non-streamed completion with the app's secret
	crashStream                   // streamed completion with the app's secret
	crashRefused                  // completion with a wrong secret: 401
)

// crashOutcome is one request that got an HTTP response before the kill.
// Requests cut by the kill before their status arrived are not kept: their
// outcome is unknown to the client, and Palisade owes them nothing.
type crashOutcome struct {
	round     int
	kind      crashKind
	status    int
	requestID string // X-Request-Id
	auditID   string // X-Palisade-Audit-Id ("" on a stream's 200)
	done      bool   // a stream that ended with [DONE]
}

// crashTally counts what the clients saw, across rounds.
type crashTally struct {
	mu       sync.Mutex
	outcomes []crashOutcome
	unknown  int // requests whose status never arrived (connection cut)
}

func (c *crashTally) add(o crashOutcome) {
	c.mu.Lock()
	c.outcomes = append(c.outcomes, o)
	c.mu.Unlock()
}

func (c *crashTally) cut() {
	c.mu.Lock()
	c.unknown++
	c.mu.Unlock()
}

// TestCrashAudit runs Palisade under concurrent load and kills it with
// SIGKILL at a random moment, PALISADE_CRASH_KILLS times (default 20),
// restarting it each time. After every kill it checks the promise "no
// response without a record": every non-streamed 2xx answer's audit event
// (X-Palisade-Audit-Id) and transcript exist; every streamed answer whose
// 200 arrived has its chat.stream "started" event, and one that reached
// [DONE] its chat.completion event too; every 401 for a wrong secret has
// its refusal event; the events' Seqs run 1..N without a gap; and
// `palisade audit verify` passes with the checkpoint directory.
// PALISADE_CRASH_SEED replays the kill moments and request mix of a run.
func TestCrashAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash harness restarts Palisade many times; skipped under -short")
	}
	kills := 20
	if s := os.Getenv(crashKillsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashKillsEnv, s)
		}
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want an unsigned number", crashSeedEnv, s)
		}
		seed = n
	}
	t.Logf("crash harness: %d kills, seed %d (replay with %s=%d)", kills, seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dir := t.TempDir()
	_, fastURL := newMock(t, mockllm.Config{Mode: mockllm.ModeInstant})
	_, streamURL := newMock(t, mockllm.Config{Mode: mockllm.ModeStream, Chunks: 8, ChunkDelay: 5 * time.Millisecond})
	cfg, dbPath, ckptDir := writeCrashConfig(t, dir, fastURL, streamURL)
	env := []string{"CRASH_APP_SECRET=" + crashSecret}

	start := time.Now()
	tally := &crashTally{}
	var events int64
	for round := 1; round <= kills; round++ {
		delay := crashMinDelay + time.Duration(rng.Int64N(int64(crashMaxDelay-crashMinDelay)+1))
		crashRound(t, round, cfg, env, delay, rng.Uint64(), tally)
		if t.Failed() {
			t.Fatalf("round %d (kill after %v) failed; replay with %s=%d", round, delay, crashSeedEnv, seed)
		}
		// Check what this round promised before the next start.
		events = checkCrashLog(t, dbPath, tally, round)
		checkCrashVerify(t, cfg, env, events)
		if t.Failed() {
			t.Fatalf("the audit log failed its check after round %d (kill after %v); replay with %s=%d", round, delay, crashSeedEnv, seed)
		}
	}
	// The whole log once more, every round's promises at once.
	events = checkCrashLog(t, dbPath, tally, 0)
	verify := checkCrashVerify(t, cfg, env, events)
	files, _ := filepath.Glob(filepath.Join(ckptDir, "*.checkpoint"))
	if len(files) == 0 {
		t.Errorf("no checkpoint was written to %s", ckptDir)
	}

	var chats, streams, completed, refusals int
	for _, o := range tally.outcomes {
		switch o.kind {
		case crashChat:
			chats++
		case crashStream:
			streams++
			if o.done {
				completed++
			}
		case crashRefused:
			refusals++
		}
	}
	t.Logf("crash harness summary: %d kills in %v; 2xx checked: %d (%d non-streamed, %d streams, %d of them complete); "+
		"refusals checked: %d; connections cut: %d; events: %d; checkpoint files: %d; verify: %s",
		kills, time.Since(start).Round(time.Millisecond), chats+streams, chats, streams, completed,
		refusals, tally.unknown, events, len(files), verify)
	if chats == 0 || streams == 0 || refusals == 0 {
		t.Errorf("the load did not cover every kind of request: %d non-streamed, %d streamed, %d refused", chats, streams, refusals)
	}
}

// writeCrashConfig writes the harness's configuration: SQLite in dir, an
// instant and a streaming upstream agent, one app whose secret comes from
// ${env:CRASH_APP_SECRET}, and a checkpoint every 50 events copied to a
// checkpoint directory. It returns the config, database and checkpoint
// directory paths.
func writeCrashConfig(t *testing.T, dir, fastURL, streamURL string) (cfg, db, ckpt string) {
	t.Helper()
	data := filepath.Join(dir, "data")
	db = filepath.Join(data, "palisade.db")
	ckpt = filepath.Join(dir, "checkpoints")
	if err := os.MkdirAll(ckpt, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg = writeFile(t, dir, "crash.yaml", fmt.Sprintf(`# Written by the crash harness.
server:
  addr: 127.0.0.1:0
data_dir: %q
store:
  driver: sqlite
  path: %q
audit:
  checkpoint_every: 50
  checkpoint_interval: 1s
  checkpoint_dir: %q
environments:
  - name: crash
    region: local
agents:
  - name: fast
    environment: crash
    kind: openai
    timeout: 30s
    upstream:
      url: %s
      model: mock
      zone: loopback
  - name: stream
    environment: crash
    kind: openai
    timeout: 30s
    upstream:
      url: %s
      model: mock
      zone: loopback
apps:
  - name: crash
    secrets: ["${env:CRASH_APP_SECRET}"]
    agents: [fast, stream]
roles:
  - name: crash
    members: {apps: [crash]}
    permissions: {agents: ["*"]}
`, data, db, ckpt, fastURL, streamURL))
	return cfg, db, ckpt
}

// crashRound starts palisade serve, loads it with crashClients clients,
// kills it with SIGKILL after delay and waits for it to exit.
func crashRound(t *testing.T, round int, cfg string, env []string, delay time.Duration, seed uint64, tally *crashTally) {
	t.Helper()
	p := startPalisade(t, env, "serve", "--config", cfg, "--log-level", "warn")
	var url string
	p.waitFor(`"palisade listening on"`, startTimeout, func() bool {
		m := listeningRE.FindStringSubmatch(p.stdout.String())
		if m == nil {
			return false
		}
		url = m[1]
		return true
	})
	p.waitFor("/readyz", startTimeout, func() bool {
		resp, err := httpClient.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	tr := &http.Transport{MaxIdleConnsPerHost: crashClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: httpTimeout}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var killed atomic.Bool
	var wg sync.WaitGroup
	for w := range crashClients {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for ctx.Err() == nil && !killed.Load() {
				kind := crashChat
				switch n := rng.IntN(20); {
				case n == 0:
					kind = crashRefused
				case n < 8:
					kind = crashStream
				}
				o, ok, err := crashRequest(ctx, client, url, kind)
				switch {
				case !ok:
					tally.cut()
				case err != nil:
					t.Errorf("round %d: %v", round, err)
					return
				default:
					o.round = round
					tally.add(o)
				}
			}
		})
	}
	time.Sleep(delay)
	killed.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("round %d: SIGKILL: %v", round, err)
	}
	p.wait(exitTimeout)
	cancel()
	wg.Wait()
	if p.exited() && p.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("round %d: palisade ended with %v before it was killed\nstderr:\n%s", round, p.err, p.stderr.String())
	}
}

// crashRequest sends one chat completion of the given kind. ok is false
// when no status arrived (the process was killed first); err reports a
// response that breaks the gateway's contract.
func crashRequest(ctx context.Context, client *http.Client, url string, kind crashKind) (o crashOutcome, ok bool, err error) {
	o.kind = kind
	model, secret, stream := "fast", crashSecret, false
	switch kind {
	case crashStream:
		model, stream = "stream", true
	case crashRefused:
		secret = crashWrong
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", strings.NewReader(chatBody(model, "How many days of leave do I have?", stream)))
	if err != nil {
		return o, false, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return o, false, nil
	}
	defer resp.Body.Close()
	o.status = resp.StatusCode
	o.requestID = resp.Header.Get("X-Request-Id")
	o.auditID = resp.Header.Get("X-Palisade-Audit-Id")
	if o.requestID == "" {
		return o, true, fmt.Errorf("%d response without X-Request-Id", o.status)
	}
	want := http.StatusOK
	if kind == crashRefused {
		want = http.StatusUnauthorized
	}
	if o.status != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return o, true, fmt.Errorf("%s request %s: status %d, want %d: %s", model, o.requestID, o.status, want, b)
	}
	if !stream && o.auditID == "" {
		return o, true, fmt.Errorf("%d answer to request %s without X-Palisade-Audit-Id", o.status, o.requestID)
	}
	if stream {
		// The 200 was sent after the stream's "started" record; [DONE]
		// after its completion record. A cut stream is still a 200.
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "data: [DONE]" {
				o.done = true
				break
			}
		}
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	return o, true, nil
}

// checkCrashLog opens the database (palisade is not running) and checks
// that the audit events' Seqs run 1..N without a gap and that every
// outcome of the given round (0: of every round) has its records. It
// returns N.
func checkCrashLog(t *testing.T, dbPath string, tally *crashTally, round int) int64 {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, dbPath, sqlite.WithReadConns(1))
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer st.Close()
	evs, err := st.ListAuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatalf("list audit events: %v", err)
	}
	byID := make(map[string]store.AuditEvent, len(evs))
	byRequest := map[string][]store.AuditEvent{}
	gaps := 0
	for i, ev := range evs {
		if want := int64(i+1) + int64(gaps); ev.Seq != want {
			// Reported once per gap; the events after it are still checked.
			t.Errorf("the audit log skips from Seq %d to %d (event %s, %s): events are missing", want-1, ev.Seq, ev.ID, ev.Type)
			gaps += int(ev.Seq - want)
		}
		if _, dup := byID[ev.ID]; dup {
			t.Errorf("audit event id %s appears twice", ev.ID)
		}
		byID[ev.ID] = ev
		if ev.RequestID != "" {
			byRequest[ev.RequestID] = append(byRequest[ev.RequestID], ev)
		}
	}
	hasEvent := func(rid, typ, outcome string) bool {
		for _, ev := range byRequest[rid] {
			if ev.Type == typ && ev.Outcome == outcome {
				return true
			}
		}
		return false
	}
	tally.mu.Lock()
	outcomes := tally.outcomes
	tally.mu.Unlock()
	missing := 0
	lost := func(format string, args ...any) {
		if missing++; missing <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, o := range outcomes {
		if round != 0 && o.round != round {
			continue
		}
		switch o.kind {
		case crashChat, crashRefused:
			ev, ok := byID[o.auditID]
			if !ok {
				// Not in the listing: ask the store by id as well, to
				// tell a lost event from a listing problem.
				_, gerr := st.GetAuditEvent(ctx, o.auditID)
				lost("round %d: LOST: the %d answer to request %s named audit event %s, which is not in the log (GetAuditEvent: %v)",
					o.round, o.status, o.requestID, o.auditID, gerr)
				continue
			}
			wantType, wantOutcome := audit.TypeChatCompletion, audit.OutcomeSuccess
			if o.kind == crashRefused {
				wantType, wantOutcome = audit.TypeRequestRefused, audit.OutcomeDenied
			}
			if ev.Type != wantType || ev.Outcome != wantOutcome || ev.RequestID != o.requestID {
				t.Errorf("round %d: audit event %s is %s/%s of request %s, want %s/%s of request %s",
					o.round, ev.ID, ev.Type, ev.Outcome, ev.RequestID, wantType, wantOutcome, o.requestID)
			}
			if o.kind == crashChat {
				var data struct {
					ConversationID string `json:"conversation_id"`
				}
				if err := json.Unmarshal(ev.Data, &data); err != nil || data.ConversationID == "" {
					t.Errorf("round %d: audit event %s names no conversation: %s", o.round, ev.ID, ev.Data)
				} else if _, err := st.GetConversation(ctx, data.ConversationID); err != nil {
					lost("round %d: LOST: the transcript %s of answered request %s: %v", o.round, data.ConversationID, o.requestID, err)
				}
			}
		case crashStream:
			if !hasEvent(o.requestID, audit.TypeChatStream, audit.OutcomeStarted) {
				lost("round %d: LOST: stream %s got its 200 but its %s/%s audit event is not in the log", o.round, o.requestID, audit.TypeChatStream, audit.OutcomeStarted)
			}
			if o.done && !hasEvent(o.requestID, audit.TypeChatCompletion, audit.OutcomeSuccess) {
				lost("round %d: LOST: stream %s reached [DONE] but its %s/%s audit event is not in the log", o.round, o.requestID, audit.TypeChatCompletion, audit.OutcomeSuccess)
			}
		}
	}
	if missing > 20 {
		t.Errorf("... %d records missing in all", missing)
	}
	return int64(len(evs))
}

var verifyOKRE = regexp.MustCompile(`^OK: (\d+) events .*, (\d+) checkpoint\(s\) \((\d+) in the database, (\d+) external\)`)

// checkCrashVerify runs `palisade audit verify` and requires OK for
// exactly events events. It returns the verdict line.
func checkCrashVerify(t *testing.T, cfg string, env []string, events int64) string {
	t.Helper()
	code, out, errOut := runPalisade(t, env, "audit", "verify", "-c", cfg)
	line := strings.TrimSpace(out)
	if code != 0 {
		t.Errorf("palisade audit verify exited %d:\n%s\n%s", code, out, errOut)
		return line
	}
	m := verifyOKRE.FindStringSubmatch(line)
	if m == nil {
		t.Errorf("palisade audit verify printed %q, want OK", line)
		return line
	}
	if m[1] != strconv.FormatInt(events, 10) {
		t.Errorf("palisade audit verify checked %s events, the store lists %d: %s", m[1], events, line)
	}
	return line
}
