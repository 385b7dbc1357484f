package export

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Syslog message constants.
const (
	// DefaultFacility is the syslog facility used when none is set: 13,
	// "log audit".
	DefaultFacility = 13
	// SyslogAppName is the APP-NAME of every message.
	SyslogAppName = "palisade"
	// SDID is the structured data element of every message. 32473 is the
	// private enterprise number RFC 5612 reserves for documentation and
	// examples.
	SDID = "palisade@32473"
)

// Syslog severities (RFC 5424 §6.2.1) of exported events.
const (
	// SeverityWarning is the severity of events whose outcome is denied
	// or error.
	SeverityWarning = 4
	// SeverityInfo is the severity of every other event.
	SeverityInfo = 6
)

// SyslogTLS configures syslog over TLS (RFC 5425). The server's
// certificate is always verified; there is no way to turn that off.
type SyslogTLS struct {
	// RootCAs verifies the server (nil: the system's roots).
	RootCAs *x509.CertPool
	// Certificate, if set, is presented to servers that ask for a client
	// certificate.
	Certificate *tls.Certificate
	// ServerName is the name the certificate must carry (default: the
	// host of SyslogOptions.Addr).
	ServerName string
}

// SyslogOptions configure a Syslog sink.
type SyslogOptions struct {
	// Name identifies the sink and its export cursor (required).
	Name string
	// Addr is the server's host:port (required): the default dialer
	// connects to it, and errors and TLS verification name it.
	Addr string
	// Dial, if set, opens the TCP connection to the server in place of a
	// plain dial of Addr (Palisade passes its egress dialer). With TLS
	// set, the handshake runs over the connection it returns.
	Dial func(ctx context.Context) (net.Conn, error)
	// TLS, if set, secures the connection (RFC 5425); nil sends in the
	// clear over TCP (RFC 6587).
	TLS *SyslogTLS
	// Facility is the messages' facility, 1 to 23 (0 means
	// DefaultFacility; kern, 0, is for the kernel alone).
	Facility int
	// Hostname is the messages' HOSTNAME (default: os.Hostname()).
	Hostname string
}

// Syslog is a Sink that writes each event as an RFC 5424 message over TCP
// or TLS, framed by octet counting (RFC 6587 §3.4.1, which RFC 5425
// prescribes as well):
//
//	LEN SP <PRI>1 TIMESTAMP HOSTNAME palisade - TYPE [palisade@32473 id="…" seq="…" outcome="…" actor="…" app="…" agent="…"] JSON
//
// PRI is the facility times 8 plus the severity: warning (4) for the
// outcomes denied and error, info (6) otherwise. TIMESTAMP is the event's
// time (UTC, microseconds), TYPE the event type, JSON the event in the
// exported schema. SD-PARAM values are escaped as RFC 5424 §6.3.3 says
// ('"', '\' and ']' take a backslash), control characters in them are
// replaced by U+FFFD, and the JSON escapes its own, so no field can break
// the structured data or, whatever the receiver's framing, start a
// message of its own.
//
// Syslog has no acknowledgements: a batch counts as delivered once the
// connection accepted it. The sink watches the connection and reconnects
// before the next batch once the server has closed it, and after any
// error; a server that closes the connection while a batch is in flight
// can still lose that batch.
type Syslog struct {
	name     string
	addr     string
	dial     func(ctx context.Context) (net.Conn, error)
	tls      *tls.Config
	facility int
	hostname string

	mu   sync.Mutex
	conn net.Conn
	// closed closes when the server ends the connection.
	closed chan struct{}
	buf    []byte
}

var _ Sink = (*Syslog)(nil)

// NewSyslog returns a syslog sink, after checking its options. It
// connects on the first Send.
func NewSyslog(o SyslogOptions) (*Syslog, error) {
	if o.Name == "" {
		return nil, errors.New("export: syslog: a name is required")
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("export: syslog %q: the address must be host:port", o.Name)
	}
	if o.Facility == 0 {
		o.Facility = DefaultFacility
	}
	if o.Facility < 1 || o.Facility > 23 {
		return nil, fmt.Errorf("export: syslog %q: facility %d is outside 1..23", o.Name, o.Facility)
	}
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
	}
	s := &Syslog{name: o.Name, addr: o.Addr, dial: o.Dial, facility: o.Facility, hostname: headerField(o.Hostname, 255)}
	if s.dial == nil {
		var d net.Dialer
		s.dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", o.Addr) }
	}
	if o.TLS != nil {
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.TLS.RootCAs, ServerName: o.TLS.ServerName}
		if s.tls.ServerName == "" {
			s.tls.ServerName = host
		}
		if o.TLS.Certificate != nil {
			s.tls.Certificates = []tls.Certificate{*o.TLS.Certificate}
		}
	}
	return s, nil
}

// Name returns the sink's name.
func (s *Syslog) Name() string { return s.name }

// Send writes the events, one message each, in one write.
func (s *Syslog) Send(ctx context.Context, events []Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
	for _, ev := range events {
		var err error
		if s.buf, err = s.appendFrame(s.buf, ev); err != nil {
			return fmt.Errorf("syslog %q: event %s: %w", s.name, ev.ID, err)
		}
	}
	if s.conn != nil {
		select {
		case <-s.closed:
			s.closeConn()
		default:
		}
	}
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	conn := s.conn
	if dl, ok := ctx.Deadline(); ok {
		conn.SetWriteDeadline(dl)
	} else {
		conn.SetWriteDeadline(time.Time{})
	}
	// Cancelling ctx interrupts the write.
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := conn.Write(s.buf)
	if !stop() || err != nil {
		// Either the write failed, or ctx ended and its deadline may yet
		// land on the next write: start afresh on a new connection.
		s.closeConn()
	}
	if err != nil {
		return fmt.Errorf("syslog %q: write to %s: %w", s.name, s.addr, err)
	}
	return nil
}

// Close closes the connection, if any. The sink reconnects on the next
// Send.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConn()
	return nil
}

// connect dials the server (and runs the TLS handshake) and starts
// watching the connection for the server closing it.
func (s *Syslog) connect(ctx context.Context) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("syslog %q: connect to %s: %w", s.name, s.addr, err)
	}
	if s.tls != nil {
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("syslog %q: TLS handshake with %s: %w", s.name, s.addr, err)
		}
		conn = tc
	}
	closed := make(chan struct{})
	go func() {
		// The server sends nothing; a read returns when it closes the
		// connection (or the sink does).
		io.Copy(io.Discard, conn)
		close(closed)
	}()
	s.conn, s.closed = conn, closed
	return nil
}

func (s *Syslog) closeConn() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.closed = nil, nil
	}
}

// syslogTime is RFC 5424's TIMESTAMP: RFC 3339 with at most six
// fractional digits.
const syslogTime = "2006-01-02T15:04:05.000000Z07:00"

// appendFrame appends the octet-counted message of ev.
func (s *Syslog) appendFrame(b []byte, ev Event) ([]byte, error) {
	msg, err := ev.MarshalJSON()
	if err != nil {
		return b, err
	}
	var m []byte
	m = append(m, '<')
	m = strconv.AppendInt(m, int64(s.facility*8+severity(ev.Outcome)), 10)
	m = append(m, ">1 "...)
	m = ev.Time.UTC().AppendFormat(m, syslogTime)
	m = append(m, ' ')
	m = append(m, s.hostname...)
	m = append(m, " "+SyslogAppName+" - "...)
	m = append(m, headerField(ev.Type, 32)...)
	m = append(m, " ["+SDID...)
	for _, p := range [...]struct{ k, v string }{
		{"id", ev.ID}, {"seq", strconv.FormatInt(ev.Seq, 10)}, {"outcome", ev.Outcome},
		{"actor", ev.Actor}, {"app", ev.App}, {"agent", ev.Agent},
	} {
		m = append(m, ' ')
		m = append(m, p.k...)
		m = append(m, `="`...)
		m = appendParamValue(m, p.v)
		m = append(m, '"')
	}
	m = append(m, "] "...)
	m = append(m, msg...)
	b = strconv.AppendInt(b, int64(len(m)), 10)
	b = append(b, ' ')
	return append(b, m...), nil
}

// severity maps an outcome to a syslog severity.
func severity(outcome string) int {
	switch outcome {
	case "denied", "deny", "error":
		return SeverityWarning
	}
	return SeverityInfo
}

// headerField returns s as an RFC 5424 header field (HOSTNAME, MSGID):
// printable US-ASCII without spaces, at most n characters, "-" when
// empty. Other characters become '_'.
func headerField(s string, n int) string {
	if s == "" {
		return "-"
	}
	b := []byte(s)
	if len(b) > n {
		b = b[:n]
	}
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	return string(b)
}

// appendParamValue appends v as an SD PARAM-VALUE (RFC 5424 §6.3.3):
// valid UTF-8, '"', '\' and ']' escaped with a backslash, control
// characters replaced by U+FFFD.
func appendParamValue(b []byte, v string) []byte {
	for _, r := range strings.ToValidUTF8(v, "\uFFFD") {
		switch {
		case r == '"' || r == '\\' || r == ']':
			b = append(b, '\\', byte(r))
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b = utf8.AppendRune(b, '\uFFFD')
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
