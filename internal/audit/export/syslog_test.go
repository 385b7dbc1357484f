package export

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/store"
)

// syslogServer receives octet-counted syslog frames (RFC 6587 §3.4.1).
type syslogServer struct {
	t  testing.TB
	ln net.Listener
	// closeFirstAfter, if positive, closes the first connection after
	// that many frames.
	closeFirstAfter int

	mu     sync.Mutex
	frames []string
	conns  int
	bad    []string
}

func newSyslogServer(t testing.TB, tlsConfig *tls.Config, closeFirstAfter int) *syslogServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	s := &syslogServer{t: t, ln: ln, closeFirstAfter: closeFirstAfter}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			n := s.conns
			s.mu.Unlock()
			wg.Go(func() { s.handle(c, n) })
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

func (s *syslogServer) addr() string { return s.ln.Addr().String() }

// handle reads frames: a length in ASCII digits, a space, that many bytes.
func (s *syslogServer) handle(c net.Conn, n int) {
	defer c.Close()
	go func() { <-s.t.Context().Done(); c.Close() }()
	r := bufio.NewReader(c)
	for count := 1; ; count++ {
		l, err := r.ReadString(' ')
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && l != "" {
				s.fail("reading a frame length: %v (read %q)", err, l)
			}
			return
		}
		size, err := strconv.Atoi(strings.TrimSuffix(l, " "))
		if err != nil || size <= 0 || l[0] == '0' || strings.ContainsAny(l, "+-") {
			s.fail("bad frame length %q", l)
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(r, msg); err != nil {
			s.fail("frame of %d bytes cut short: %v", size, err)
			return
		}
		s.mu.Lock()
		s.frames = append(s.frames, string(msg))
		s.mu.Unlock()
		if n == 1 && count == s.closeFirstAfter {
			return
		}
	}
}

func (s *syslogServer) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bad = append(s.bad, fmt.Sprintf(format, args...))
}

func (s *syslogServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...)
}

func (s *syslogServer) check() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bad {
		s.t.Errorf("syslog server: %s", b)
	}
}

// syslogMessage is a parsed RFC 5424 message as the sink writes it.
type syslogMessage struct {
	pri       int
	timestamp string
	hostname  string
	msgid     string
	params    map[string]string
	event     Event
	raw       map[string]any
}

var syslogHeader = regexp.MustCompile(`^<(\d{1,3})>1 (\S+) (\S+) palisade - (\S+) \[palisade@32473`)

// parseSyslog parses a message strictly, per RFC 5424: a PARAM-VALUE ends
// at the first '"' not escaped, and an unescaped ']' in it is an error.
func parseSyslog(msg string) (syslogMessage, error) {
	var m syslogMessage
	if strings.ContainsAny(msg, "\r\n") {
		return m, errors.New("message contains a line break")
	}
	h := syslogHeader.FindStringSubmatch(msg)
	if h == nil {
		return m, errors.New("header does not match")
	}
	m.pri, _ = strconv.Atoi(h[1])
	m.timestamp, m.hostname, m.msgid = h[2], h[3], h[4]
	rest := msg[len(h[0]):]
	m.params = map[string]string{}
	for strings.HasPrefix(rest, " ") {
		name, after, ok := strings.Cut(rest[1:], `="`)
		if !ok || name == "" || strings.ContainsAny(name, ` ]"=`) {
			return m, fmt.Errorf("bad SD-PARAM at %q", rest)
		}
		var v strings.Builder
		i := 0
		for ; i < len(after); i++ {
			c := after[i]
			if c == '\\' && i+1 < len(after) && strings.IndexByte(`"\]`, after[i+1]) >= 0 {
				v.WriteByte(after[i+1])
				i++
				continue
			}
			if c == '"' {
				break
			}
			if c == ']' {
				return m, fmt.Errorf("unescaped ] in the value of %s", name)
			}
			v.WriteByte(c)
		}
		if i == len(after) {
			return m, fmt.Errorf("unterminated value of %s", name)
		}
		if _, dup := m.params[name]; dup {
			return m, fmt.Errorf("SD-PARAM %s twice", name)
		}
		m.params[name] = v.String()
		rest = after[i+1:]
	}
	body, ok := strings.CutPrefix(rest, "] ")
	if !ok {
		return m, fmt.Errorf("structured data not closed before %q", rest)
	}
	if err := json.Unmarshal([]byte(body), &m.event); err != nil {
		return m, fmt.Errorf("MSG: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &m.raw); err != nil {
		return m, fmt.Errorf("MSG: %w", err)
	}
	return m, nil
}

// commitRaw stores events through the store's journal as given, without
// the cleaning audit.Journal applies, as a hostile or buggy writer might.
func commitRaw(t testing.TB, st store.Journal, evs ...store.AuditEvent) {
	t.Helper()
	if _, err := st.CommitRecords(context.Background(), []store.Record{{Events: evs}}); err != nil {
		t.Fatal(err)
	}
}

// Ensure events reach a TCP syslog server as octet-counted RFC 5424
// messages, with every field escaped: an actor made to fake a second
// message or close the structured data cannot.
func TestSyslogTCPEscapesFields(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	if _, err := j.Record(t.Context(), audit.Event{Type: audit.TypeRequestRefused, Outcome: audit.OutcomeDenied,
		Actor: "bob", App: "web", Agent: "hr", Data: map[string]any{"code": "pii"}}); err != nil {
		t.Fatal(err)
	}
	const evil = "\"]\n<13>1 fake"
	hostile := store.AuditEvent{
		ID: "ev_hostile", Time: time.Now(), Type: "chat completion\n<14>1 x", RequestID: "r\n1", Outcome: "success",
		Actor: evil, App: `a\b]c"d`, Agent: "x\x00y\u2028z\xff",
		Data: []byte(`{"note":"\n<13>1 2026-01-01T00:00:00Z h palisade - fake [palisade@32473 id=\"x\"] {}"}`),
	}
	commitRaw(t, st, hostile)

	srv := newSyslogServer(t, nil, 0)
	sink, err := NewSyslog(SyslogOptions{Name: "syslog", Addr: srv.addr(), Hostname: "gw 1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond})
	waitFor(t, "2 events delivered", func() bool { return e.Stats().Cursor == 2 })
	waitFor(t, "2 frames received", func() bool { return len(srv.received()) >= 2 })
	time.Sleep(50 * time.Millisecond) // room for a forged extra message to show
	srv.check()
	frames := srv.received()
	if len(frames) != 2 {
		t.Fatalf("received %d messages, want 2:\n%q", len(frames), frames)
	}
	var msgs []syslogMessage
	for i, f := range frames {
		m, err := parseSyslog(f)
		if err != nil {
			t.Fatalf("message %d: %v\n%q", i+1, err, f)
		}
		msgs = append(msgs, m)
	}
	denied, h := msgs[0], msgs[1]
	if denied.pri != 13*8+4 || denied.msgid != "request.refused" || denied.hostname != "gw_1" ||
		denied.params["outcome"] != "denied" || denied.params["actor"] != "bob" || denied.params["seq"] != "1" {
		t.Errorf("first message: %+v", denied)
	}
	if _, err := time.Parse(time.RFC3339Nano, denied.timestamp); err != nil || len(denied.timestamp) != len("2026-01-02T03:04:05.123456Z") {
		t.Errorf("timestamp %q: want RFC 3339 UTC with 6 fractional digits (%v)", denied.timestamp, err)
	}
	want := map[string]string{
		"id": "ev_hostile", "seq": "2", "outcome": "success",
		"actor": "\"]\uFFFD<13>1 fake", "app": `a\b]c"d`, "agent": "x\uFFFDy\uFFFDz\uFFFD",
	}
	for k, v := range want {
		if h.params[k] != v {
			t.Errorf("hostile message: %s = %q, want %q", k, h.params[k], v)
		}
	}
	if len(h.params) != len(want) {
		t.Errorf("hostile message has params %v", h.params)
	}
	if h.pri != 13*8+6 || h.msgid != "chat_completion_<14>1_x" {
		t.Errorf("hostile message: PRI %d, MSGID %q", h.pri, h.msgid)
	}
	// The JSON body keeps the original values, escaped by JSON.
	if h.event.Actor != evil || h.event.ID != "ev_hostile" || h.raw["schema"] != Schema {
		t.Errorf("hostile message body: %+v", h.event)
	}
}

// Ensure the sink reconnects after the server closed the connection,
// and the events after it arrive on the new one.
func TestSyslogReconnects(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	record(t, j, 5)
	srv := newSyslogServer(t, nil, 5)
	sink, err := NewSyslog(SyslogOptions{Name: "syslog", Addr: srv.addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	waitFor(t, "5 frames", func() bool { return len(srv.received()) == 5 })
	time.Sleep(100 * time.Millisecond) // the server has closed the first connection
	record(t, j, 5)
	e.Notify()
	waitFor(t, "10 frames", func() bool { return len(srv.received()) == 10 })
	srv.check()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.conns != 2 {
		t.Errorf("%d connections, want 2", srv.conns)
	}
	for i, f := range srv.frames {
		m, err := parseSyslog(f)
		if err != nil || m.event.Seq != int64(i+1) {
			t.Errorf("frame %d: seq %d, %v", i, m.event.Seq, err)
		}
	}
}

// Ensure syslog over TLS works with the server's CA (and a client
// certificate the server requires), and fails without the CA.
func TestSyslogTLS(t *testing.T) {
	ca, caKey, pool := newCA(t)
	serverCert := newLeaf(t, ca, caKey, false)
	clientCert := newLeaf(t, ca, caKey, true)
	srv := newSyslogServer(t, &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, 0)

	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 20)
	sink, err := NewSyslog(SyslogOptions{Name: "syslog-tls", Addr: srv.addr(),
		TLS: &SyslogTLS{RootCAs: pool, Certificate: &clientCert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond, Batch: 7})
	waitFor(t, "20 frames over TLS", func() bool { return len(srv.received()) == 20 && e.Stats().Cursor == 20 })
	srv.check()
	if s := e.Stats(); s.Failures != 0 {
		t.Errorf("stats %+v", s)
	}

	// Without the CA, the system roots do not know the server.
	untrusting, err := NewSyslog(SyslogOptions{Name: "syslog-tls", Addr: srv.addr(), TLS: &SyslogTLS{Certificate: &clientCert}})
	if err != nil {
		t.Fatal(err)
	}
	err = untrusting.Send(t.Context(), []Event{{ID: "ev_1", Seq: 1, Time: time.Now()}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("Send without the CA: %v, want an unknown authority error", err)
	}
	// Nor does a name the certificate does not carry.
	wrongName, _ := NewSyslog(SyslogOptions{Name: "syslog-tls", Addr: srv.addr(),
		TLS: &SyslogTLS{RootCAs: pool, Certificate: &clientCert, ServerName: "elsewhere.example"}})
	if err := wrongName.Send(t.Context(), []Event{{ID: "ev_1", Seq: 1, Time: time.Now()}}); err == nil {
		t.Error("Send to a server whose certificate does not name it succeeded")
	}
	if n := len(srv.received()); n != 20 {
		t.Errorf("the server received %d frames, want the 20 sent with the CA", n)
	}
}

// Ensure NewSyslog refuses bad options.
func TestNewSyslogOptions(t *testing.T) {
	for name, o := range map[string]SyslogOptions{
		"no name":      {Addr: "127.0.0.1:6514"},
		"no port":      {Name: "s", Addr: "127.0.0.1"},
		"facility 24":  {Name: "s", Addr: "127.0.0.1:6514", Facility: 24},
		"facility -1":  {Name: "s", Addr: "127.0.0.1:6514", Facility: -1},
		"empty host":   {Name: "s", Addr: ":6514"},
		"empty string": {},
	} {
		if _, err := NewSyslog(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// newCA returns a test CA and a pool holding it.
func newCA(t testing.TB) (*x509.Certificate, *ecdsa.PrivateKey, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Palisade test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return ca, key, pool
}

// newLeaf returns a certificate for 127.0.0.1 (server) or a client.
func newLeaf(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, client bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if client {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
