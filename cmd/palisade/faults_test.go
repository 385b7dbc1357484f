package main

// Fault injection: the audit log must fail closed. If it cannot be
// written (the disk is full, the database is down or hangs), a request is
// refused with 503 and a clear code, palisade_audit_write_failures_total
// rises, and service resumes on its own when the fault clears. A SIEM
// sink that hangs must not hold requests up at all.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	msqlite "modernc.org/sqlite"

	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const (
	// faultRequestBound is the longest a request may take while the
	// audit log is failing: a refusal must come promptly, never a hang.
	faultRequestBound = 30 * time.Second
	// faultRecoveryBound is the longest service may take to resume once
	// the fault has cleared.
	faultRecoveryBound = 30 * time.Second
	// faultAppSecret is the app credential of the fault configurations.
	faultAppSecret = "an-app-secret-that-is-long-enough-0123456789"
)

// faultConfig writes the knowledge base and a configuration with a
// knowledge agent, metrics on a free port, the given store section and
// any extra top-level sections; it returns the configuration's path.
func faultConfig(t *testing.T, dir, dataDir, storeSection, extra string) string {
	t.Helper()
	if err := writeDemoKnowledge(dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_APP_SECRET", faultAppSecret)
	return writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
server: {metrics_addr: "127.0.0.1:0"}
%s%senvironments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: hr}]}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [hr]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [hr]}}
`, dataDir, storeSection, extra))
}

// faultResult is the outcome of one chat request.
type faultResult struct {
	status  int
	code    string // the error code of a refusal
	message string // the error message of a refusal
	auditID string // X-Palisade-Audit-Id of an answer
	reqID   string // X-Request-Id
	body    string
	took    time.Duration
	err     error // the request did not complete (a hang past faultRequestBound)
}

func (r faultResult) String() string {
	if r.err != nil {
		return fmt.Sprintf("no answer after %v: %v", r.took.Round(time.Millisecond), r.err)
	}
	return fmt.Sprintf("%d %s in %v: %.300s", r.status, r.code, r.took.Round(time.Millisecond), r.body)
}

var faultClient = &http.Client{Timeout: faultRequestBound}

// faultAsk sends one chat request to the knowledge agent.
func faultAsk(s *servedConfig) faultResult {
	req, _ := http.NewRequest(http.MethodPost, s.base+"/v1/chat/completions", strings.NewReader(
		`{"model":"hr","messages":[{"role":"user","content":"How many days of leave do I get?"}]}`))
	req.Header.Set("Authorization", "Bearer "+faultAppSecret)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := faultClient.Do(req)
	if err != nil {
		return faultResult{took: time.Since(start), err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	r := faultResult{status: resp.StatusCode, body: string(b), took: time.Since(start), err: err,
		auditID: resp.Header.Get("X-Palisade-Audit-Id"), reqID: resp.Header.Get("X-Request-Id")}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			r.code, r.message = e.Error.Code, e.Error.Message
		}
	}
	return r
}

// checkRefusal fails unless r is a prompt 503 with one of the codes and a
// message a person can read (no driver error, address or SQL state).
func checkRefusal(t *testing.T, what string, r faultResult, codes ...string) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s: %v", what, r)
	}
	if r.status != http.StatusServiceUnavailable || !containsString(codes, r.code) {
		t.Fatalf("%s: want 503 %s, got %v", what, strings.Join(codes, " or "), r)
	}
	msg := strings.ToLower(r.message)
	if len(msg) < 20 {
		t.Errorf("%s: the message %q does not explain the refusal", what, r.message)
	}
	for _, leak := range []string{"dial", "127.0.0.1", "sqlstate", "pgx", "pgconn", "sqlite", "eof", "context deadline", "journal"} {
		if strings.Contains(msg, leak) {
			t.Errorf("%s: the message %q carries an internal detail (%q)", what, r.message, leak)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// faultMetric returns the sum of the samples of the metric name whose
// labels include every one of labels (name="value" pairs), from the
// metrics listener of s.
func faultMetric(t *testing.T, s *servedConfig, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.cfg.Server.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	var sum float64
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		series, value := line[:i], line[i+1:]
		n := series
		if j := strings.IndexByte(series, '{'); j >= 0 {
			n = series[:j]
		}
		if n != name {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(series, l)
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
		found = true
	}
	if !found {
		return -1 // absent
	}
	return sum
}

// faultAskConcurrently sends n chat requests at once.
func faultAskConcurrently(s *servedConfig, n int) []faultResult {
	out := make([]faultResult, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = faultAsk(s) })
	}
	wg.Wait()
	return out
}

// faultNoteLateRecords fails when the audit log records as answered a
// request that was refused with 503: the journal either writes a record
// and the answer follows, or drops the record of a caller that gave up
// before its commit began.
func faultNoteLateRecords(t *testing.T, l faultAuditLog, refused []string) {
	t.Helper()
	for _, rid := range refused {
		if got, ok := l.requests[rid]; ok && strings.HasSuffix(got, "success") {
			t.Errorf("request %s was refused with 503, yet the audit log records it as %s", rid, got)
		}
	}
}

// faultWaitFor polls cond every 50 ms until it holds or bound passes,
// and returns how long it took.
func faultWaitFor(t *testing.T, bound time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, last := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v; last: %s", what, bound, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// faultAuditLog is the audit log as stored: each event's seq, id and
// type|outcome.
type faultAuditLog struct {
	seqs     []int64
	ids      map[string]string
	types    []string
	requests map[string]string // request id -> type|outcome
}

func scanAuditLog(t *testing.T, next func() bool, scan func(...any) error) faultAuditLog {
	t.Helper()
	l := faultAuditLog{ids: map[string]string{}, requests: map[string]string{}}
	for next() {
		var seq int64
		var id, typ, outcome, rid string
		if err := scan(&seq, &id, &typ, &outcome, &rid); err != nil {
			t.Fatal(err)
		}
		l.seqs = append(l.seqs, seq)
		l.ids[id] = typ + "|" + outcome
		if rid != "" {
			l.requests[rid] = typ + "|" + outcome
		}
		l.types = append(l.types, typ+"|"+outcome)
	}
	return l
}

const faultAuditQuery = `SELECT seq, id, type, outcome, request_id FROM audit_events ORDER BY seq`

// check fails unless the log's seqs run 1, 2, 3… without a gap and every
// answered request's audit id is a chat.completion in it.
func (l faultAuditLog) check(t *testing.T, answered []string) {
	t.Helper()
	for i, s := range l.seqs {
		if s != int64(i+1) {
			t.Errorf("audit log gap: event %d has seq %d (seqs %v)", i+1, s, l.seqs)
			break
		}
	}
	for _, id := range answered {
		if got := l.ids[id]; !strings.HasPrefix(got, "chat.completion|") {
			t.Errorf("answered request with audit id %s has no chat.completion record (got %q): a response without a record", id, got)
		}
	}
}

// verifyAudit runs `palisade audit verify -c path` and fails unless it
// exits 0.
func verifyAudit(t *testing.T, path string) {
	t.Helper()
	code, out, errOut := runCLI(t, "audit", "verify", "-c", path)
	if code != 0 {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("audit verify: %s", strings.TrimSpace(out))
}

// ---------------------------------------------------------------------
// PostgreSQL behind a TCP proxy that the test can cut, freeze and restore.

// faultPostgres returns the DSN (a postgres:// URL) of a fresh database
// on the test server, dropped when the test ends. Without a server the
// test is skipped, except under CI=true, where that is a failure.
func faultPostgres(t *testing.T) *url.URL {
	t.Helper()
	server := os.Getenv("PALISADE_TEST_POSTGRES_DSN")
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL is required under CI: set PALISADE_TEST_POSTGRES_DSN")
		}
		t.Skip("PALISADE_TEST_POSTGRES_DSN is not set; start a server with scripts/pg-test-cluster.sh start DIR")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		t.Fatalf("PALISADE_TEST_POSTGRES_DSN must be a postgres:// URL for the fault tests (got an unusable value: %v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	b := make([]byte, 8)
	rand.Read(b)
	name := "palisade_fault_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u
}

// faultProxy forwards TCP connections to target. Cut closes the listener
// and every proxied connection (the server is down: connections are
// refused); Restore listens again on the same address. Freeze makes
// every connection, old and new, stop moving bytes (the server hangs)
// until Thaw.
type faultProxy struct {
	target, addr string

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	gate   chan struct{} // closed while bytes flow
	closed bool
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}, gate: make(chan struct{})}
	close(p.gate)
	go p.accept(ln)
	t.Cleanup(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.Thaw()
		p.Cut()
	})
	return p
}

func (p *faultProxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

// track adds c to the live connections unless the proxy is cut.
func (p *faultProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *faultProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *faultProxy) wait() {
	p.mu.Lock()
	g := p.gate
	p.mu.Unlock()
	<-g
}

func (p *faultProxy) handle(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	p.wait() // a frozen server accepts, then never answers
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil || !p.track(u) {
		if u != nil {
			u.Close()
		}
		p.untrack(c)
		return
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(u, c); done <- struct{}{} }()
	go func() { p.pipe(c, u); done <- struct{}{} }()
	<-done
	p.untrack(c, u)
	<-done
}

func (p *faultProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut refuses new connections and closes every proxied one.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore listens again on the proxy's address.
func (p *faultProxy) Restore(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.mu.Lock()
			p.ln = ln
			p.mu.Unlock()
			go p.accept(ln)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-open the proxy on %s: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Freeze stops every byte, on old connections and new ones alike.
func (p *faultProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
		p.gate = make(chan struct{})
	default:
	}
}

// Thaw lets the bytes flow again.
func (p *faultProxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
	default:
		close(p.gate)
	}
}

// faultPGFixture is Palisade served on a fresh PostgreSQL database reached
// through a faultProxy.
type faultPGFixture struct {
	s      *servedConfig
	proxy  *faultProxy
	direct string // the database's DSN, bypassing the proxy
	log    *syncBuffer
}

func newFaultPGFixture(t *testing.T) *faultPGFixture {
	t.Helper()
	db := faultPostgres(t)
	proxy := newFaultProxy(t, db.Host)
	via := *db
	via.Host = proxy.addr
	t.Setenv("FAULT_PG_DSN", via.String())
	dir := t.TempDir()
	path := faultConfig(t, dir, filepath.Join(dir, "data"),
		"store: {driver: postgres, dsn: \"${env:FAULT_PG_DSN}\"}\n", "")
	log := &syncBuffer{}
	s := startServe(t, path, log)
	return &faultPGFixture{s: s, proxy: proxy, direct: db.String(), log: log}
}

func (f *faultPGFixture) auditLog(t *testing.T) faultAuditLog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, f.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, faultAuditQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	l := scanAuditLog(t, rows.Next, rows.Scan)
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return l
}

// faultOutage drives the refusal and recovery phases shared by the
// PostgreSQL tests: while the fault holds, requests are refused promptly
// with 503 and a clear code and the failure counter rises; once clear()
// is called, service resumes without a restart, and the audit log has no
// gap, holds every answered request and verifies.
func faultOutage(t *testing.T, f *faultPGFixture, inject, clear func()) {
	var answered []string
	ok := faultAsk(f.s)
	if ok.status != http.StatusOK || ok.auditID == "" {
		t.Fatalf("before the fault: %v", ok)
	}
	answered = append(answered, ok.auditID)
	failuresBefore := faultMetric(t, f.s, "palisade_audit_write_failures_total")
	if failuresBefore != 0 {
		t.Fatalf("palisade_audit_write_failures_total before the fault = %v, want 0", failuresBefore)
	}

	inject()
	faultStart := time.Now()
	for i := range 3 {
		r := faultAsk(f.s)
		t.Logf("during the fault, request %d: %v", i+1, r)
		if r.status == http.StatusOK {
			// Never an answer without a record: an answer here is only
			// acceptable if its record is in the log (checked below).
			answered = append(answered, r.auditID)
			t.Errorf("request %d during the fault was answered: %v", i+1, r)
			continue
		}
		checkRefusal(t, fmt.Sprintf("request %d during the fault", i+1), r, "audit_unavailable", "store_unavailable")
	}
	// A burst of concurrent requests: the journal batches them; each must
	// still be refused within the bound.
	var refusedIDs []string
	for _, r := range faultAskConcurrently(f.s, 6) {
		t.Logf("during the fault, concurrent request: %v", r)
		if r.status == http.StatusOK {
			answered = append(answered, r.auditID)
			t.Errorf("a concurrent request during the fault was answered: %v", r)
			continue
		}
		checkRefusal(t, "concurrent request during the fault", r, "audit_unavailable", "store_unavailable")
		refusedIDs = append(refusedIDs, r.reqID)
	}
	failures := faultMetric(t, f.s, "palisade_audit_write_failures_total")
	refused := faultMetric(t, f.s, "palisade_requests_total", `code="audit_unavailable"`) +
		max(0, faultMetric(t, f.s, "palisade_requests_total", `code="store_unavailable"`))
	t.Logf("metrics after %v of fault: palisade_audit_write_failures_total %v (was %v); palisade_requests_total{code=audit_unavailable|store_unavailable} %v",
		time.Since(faultStart).Round(time.Millisecond), failures, failuresBefore, refused)
	if failures <= failuresBefore {
		t.Errorf("palisade_audit_write_failures_total did not rise during the fault: %v", failures)
	}

	clear()
	var last faultResult
	took := faultWaitFor(t, faultRecoveryBound, "service resumes after the fault clears", func() (bool, string) {
		last = faultAsk(f.s)
		return last.status == http.StatusOK, last.String()
	})
	t.Logf("service resumed %v after the fault cleared: %v", took.Round(time.Millisecond), last)
	answered = append(answered, last.auditID)
	for i := range 3 {
		r := faultAsk(f.s)
		if r.status != http.StatusOK {
			t.Fatalf("request %d after recovery: %v", i+1, r)
		}
		answered = append(answered, r.auditID)
	}

	l := f.auditLog(t)
	l.check(t, answered)
	faultNoteLateRecords(t, l, refusedIDs)
	t.Logf("audit log: %d events: %s", len(l.seqs), strings.Join(l.types, ", "))
	verifyAudit(t, f.s.path)
}

// Ensure a PostgreSQL server that goes away (every connection closed, new
// ones refused) makes requests fail closed, promptly, with 503 and a clear
// code, raises palisade_audit_write_failures_total, and that service
// resumes by itself once the server is back, with an intact audit log.
func TestFaultPostgresDownAndBack(t *testing.T) {
	f := newFaultPGFixture(t)
	faultOutage(t, f, f.proxy.Cut, func() { f.proxy.Restore(t) })
	if t.Failed() {
		t.Logf("server log:\n%s", f.log.String())
	}
}

// Ensure a PostgreSQL server that hangs (connections accepted, nothing
// answered) cannot hold requests past a bounded time: they are refused
// with 503 well within faultRequestBound, and service resumes once the
// server answers again.
func TestFaultPostgresHangs(t *testing.T) {
	f := newFaultPGFixture(t)
	faultOutage(t, f, f.proxy.Freeze, f.proxy.Thaw)
	if t.Failed() {
		t.Logf("server log:\n%s", f.log.String())
	}
}

// ---------------------------------------------------------------------
// SQLite with a full disk.

var (
	faultHookOnce sync.Once
	// faultPageCaps maps the escaped path of a database file to the
	// max_page_count its new connections get.
	faultPageCaps sync.Map
)

// capPages makes every connection opened from now on to the SQLite file at
// path unable to grow it past pages pages (PRAGMA max_page_count), through
// the driver's connection hook: the in-process equivalent of a full disk,
// seen by SQLite as SQLITE_FULL.
func capPages(t *testing.T, path string, pages int64) {
	t.Helper()
	faultHookOnce.Do(func() {
		msqlite.RegisterConnectionHook(func(conn msqlite.ExecQuerierContext, dsn string) error {
			var err error
			faultPageCaps.Range(func(k, v any) bool {
				if strings.Contains(dsn, k.(string)) {
					_, err = conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA max_page_count = %d", v.(int64)), nil)
					return false
				}
				return true
			})
			return err
		})
	})
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	key := (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
	faultPageCaps.Store(key, pages)
	t.Cleanup(func() { faultPageCaps.Delete(key) })
}

// Ensure a SQLite database that cannot grow (the disk is full) makes
// requests fail closed with 503 audit_unavailable, never an answer without
// a record, raises palisade_audit_write_failures_total, and that service
// resumes by itself once space is freed, with an intact audit log.
//
// The full disk is PRAGMA max_page_count on every connection Palisade
// opens (set through the SQLite driver's connection hook, so nothing in
// Palisade changes), a little above the file's size at start. The file
// also holds a ballast table; once the requests have filled the headroom,
// the test drops the ballast from a connection of its own, which frees its
// pages for reuse within the cap, as an operator freeing disk space would.
func TestFaultSQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	dbPath := filepath.Join(data, "palisade.db")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath) // the schema, at its full size
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE fault_ballast (b BLOB)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 64) INSERT INTO fault_ballast SELECT randomblob(8000) FROM n`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var pages, pageSize int64
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	const headroom = 48 // pages for start-up and a few requests
	capPages(t, dbPath, pages+headroom)
	t.Logf("database: %d pages of %d bytes (ballast included); capped at %d", pages, pageSize, pages+headroom)

	path := faultConfig(t, dir, data, "", "")
	log := &syncBuffer{}
	s := startServe(t, path, log)
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	}()
	if v := faultMetric(t, s, "palisade_audit_write_failures_total"); v != 0 {
		t.Fatalf("palisade_audit_write_failures_total at start = %v, want 0", v)
	}

	// Fill the headroom until a request is refused.
	var answered []string
	var first faultResult
	start := time.Now()
	for i := 0; ; i++ {
		if i == 2000 {
			t.Fatalf("2000 requests answered under a cap of %d pages: the cap does not hold", pages+headroom)
		}
		r := faultAsk(s)
		if r.status == http.StatusOK {
			if r.auditID == "" {
				t.Fatalf("answer without an audit id: %v", r)
			}
			answered = append(answered, r.auditID)
			continue
		}
		first = r
		break
	}
	t.Logf("the disk filled after %d answered requests (%v); first refusal: %v", len(answered), time.Since(start).Round(time.Millisecond), first)
	checkRefusal(t, "first request on a full disk", first, "audit_unavailable")
	for i := range 3 {
		r := faultAsk(s)
		t.Logf("on the full disk, request %d: %v", i+1, r)
		if r.status == http.StatusOK {
			answered = append(answered, r.auditID) // its record is checked below
			t.Errorf("request %d on the full disk was answered: %v", i+1, r)
			continue
		}
		checkRefusal(t, fmt.Sprintf("request %d on the full disk", i+1), r, "audit_unavailable")
	}
	failures := faultMetric(t, s, "palisade_audit_write_failures_total")
	t.Logf("palisade_audit_write_failures_total on the full disk: %v; palisade_requests_total{code=audit_unavailable}: %v",
		failures, faultMetric(t, s, "palisade_requests_total", `code="audit_unavailable"`))
	if failures <= 0 {
		t.Errorf("palisade_audit_write_failures_total did not rise on the full disk: %v", failures)
	}
	if l := auditLogSQLite(t, db); len(l.seqs) == 0 {
		t.Fatal("no audit events")
	} else {
		l.check(t, answered)
	}

	// Free space: drop the ballast.
	if _, err := db.Exec(`DROP TABLE fault_ballast`); err != nil {
		t.Fatalf("drop the ballast: %v", err)
	}
	var last faultResult
	took := faultWaitFor(t, faultRecoveryBound, "service resumes once space is freed", func() (bool, string) {
		last = faultAsk(s)
		return last.status == http.StatusOK, last.String()
	})
	t.Logf("service resumed %v after space was freed: %v", took.Round(time.Millisecond), last)
	answered = append(answered, last.auditID)
	for i := range 3 {
		r := faultAsk(s)
		if r.status != http.StatusOK {
			t.Fatalf("request %d after space was freed: %v", i+1, r)
		}
		answered = append(answered, r.auditID)
	}
	auditLogSQLite(t, db).check(t, answered)
	verifyAudit(t, path)
}

func auditLogSQLite(t *testing.T, db *sql.DB) faultAuditLog {
	t.Helper()
	rows, err := db.Query(faultAuditQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	l := scanAuditLog(t, rows.Next, rows.Scan)
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return l
}

// ---------------------------------------------------------------------
// A SIEM sink that hangs.

// Ensure a webhook SIEM sink whose receiver hangs does not hold requests
// up: they are answered promptly with their records in the database, and
// palisade_audit_export_lag_events rises; once the receiver answers
// again, the lag returns to 0.
func TestFaultSIEMSinkHangs(t *testing.T) {
	const hmacKey = "siem-hmac-key-VALUE-0123456789abcdef0123"
	var hanging atomic.Bool
	stop := make(chan struct{})
	var delivered atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if hanging.Load() {
			select { // never answer; return when the client gives up
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		if err := export.VerifySignature([]byte(hmacKey), r.Header.Get(export.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var b struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		delivered.Add(int64(len(b.Events)))
	}))
	t.Cleanup(func() { close(stop); hook.Close() }) // after serve stops

	f := newSecretsFixture(t, true)
	if code, _, errOut := runCLIInput(t, hmacKey, "secrets", "put", "siem-hmac", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	path := faultConfig(t, dir, f.data, "", fmt.Sprintf(`secrets: {kek: {keyset_file: %q}}
audit:
  export:
    webhooks:
      - {name: siem, url: %q, secret: "${secret:siem-hmac}", zone: loopback, timeout: 1s}
`, f.keyset, hook.URL+"/ingest"))
	log := &syncBuffer{}
	s := startServe(t, path, log)
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	}()
	lag := func() float64 { return faultMetric(t, s, "palisade_audit_export_lag_events", `sink="siem"`) }
	faultWaitFor(t, 15*time.Second, "the export catches up at start", func() (bool, string) {
		v := lag()
		return v == 0 && delivered.Load() > 0, fmt.Sprintf("lag %v, delivered %d", v, delivered.Load())
	})

	hanging.Store(true)
	hangStart := time.Now()
	var answered []string
	var slowest time.Duration
	for i := range 5 {
		r := faultAsk(s)
		if r.status != http.StatusOK {
			t.Fatalf("request %d while the SIEM hangs: %v", i+1, r)
		}
		slowest = max(slowest, r.took)
		answered = append(answered, r.auditID)
	}
	t.Logf("5 requests answered while the SIEM hangs; slowest %v", slowest.Round(time.Millisecond))
	if slowest > 2*time.Second {
		t.Errorf("a request took %v while the SIEM hung: the export is on the request path", slowest)
	}
	ids := map[string]bool{}
	db, err := sql.Open("sqlite", filepath.Join(f.data, "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id := range auditLogSQLite(t, db).ids {
		ids[id] = true
	}
	for _, id := range answered {
		if !ids[id] {
			t.Errorf("answered request %s has no record in the database", id)
		}
	}
	var risen float64
	took := faultWaitFor(t, 10*time.Second, "palisade_audit_export_lag_events rises while the SIEM hangs", func() (bool, string) {
		risen = lag()
		return risen >= 5, fmt.Sprintf("lag %v", risen)
	})
	t.Logf("palisade_audit_export_lag_events{sink=siem} = %v, %v after the hang began (export failures so far %v)",
		risen, took.Round(time.Millisecond), faultMetric(t, s, "palisade_audit_export_failures_total", `sink="siem"`))
	// Let a few deliveries time out before the receiver recovers.
	time.Sleep(max(0, 3*time.Second-time.Since(hangStart)))

	hanging.Store(false)
	deliveredBefore := delivered.Load()
	took = faultWaitFor(t, 45*time.Second, "the export lag returns to 0 once the SIEM answers", func() (bool, string) {
		v := lag()
		return v == 0, fmt.Sprintf("lag %v", v)
	})
	t.Logf("the lag returned to 0 %v after the SIEM answered again (%d events delivered since; export failures %v)",
		took.Round(time.Millisecond), delivered.Load()-deliveredBefore, faultMetric(t, s, "palisade_audit_export_failures_total", `sink="siem"`))
	if delivered.Load()-deliveredBefore < 5 {
		t.Errorf("only %d events delivered after the SIEM recovered, want at least the 5 requests'", delivered.Load()-deliveredBefore)
	}
}
