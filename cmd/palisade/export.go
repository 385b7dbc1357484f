package main

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/metrics"
	"github.com/palisade-gw/palisade/internal/store"
)

// exportNotifier is the audit journal's observer: it passes each commit on
// to the next observer (metrics) and wakes the SIEM exporters, which are
// set once they have started.
type exportNotifier struct {
	next audit.JournalObserver
	exps atomic.Pointer[[]*export.Exporter]
}

// ObserveCommit implements audit.JournalObserver.
func (n *exportNotifier) ObserveCommit(d time.Duration, batch int, err error) {
	if n.next != nil {
		n.next.ObserveCommit(d, batch, err)
	}
	if err != nil {
		return
	}
	if p := n.exps.Load(); p != nil {
		for _, e := range *p {
			e.Notify()
		}
	}
}

// startExport starts one exporter per configured SIEM sink. The returned
// stop ends them (idempotent).
func startExport(ctx context.Context, cfg *config.Config, st store.Store, out *outbound, notify *exportNotifier, met *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	var exps []*export.Exporter
	var closers []func() error
	stop = func() {
		notify.exps.Store(nil)
		for _, e := range exps {
			e.Close()
		}
		for _, c := range closers {
			_ = c()
		}
		exps, closers = nil, nil
	}
	start := func(sink export.Sink, batch int, timeout time.Duration) error {
		e, err := export.New(st, sink, export.Options{Batch: batch, Timeout: timeout, Log: log.With("export", sink.Name())})
		if err != nil {
			return err
		}
		exps = append(exps, e)
		if met != nil {
			if err := met.WatchExport(sink.Name(), metrics.ExportStatus{
				Lag: e.Lag,
				Counts: func() (int64, int64) {
					s := e.Stats()
					return s.Delivered, s.Failures
				},
			}); err != nil {
				return err
			}
		}
		return nil
	}
	for i, w := range cfg.Audit.Export.Webhooks {
		c, err := out.client(w.Timeout.D(), 0, 0)
		if err != nil {
			stop()
			return nil, err
		}
		sink := &secretWebhook{name: w.Name, url: w.URL, client: c.HTTPClient(), secret: []byte(w.Secret)}
		if name, ok := cfg.SecretRef(fmt.Sprintf("audit.export.webhooks[%d].secret", i)); ok {
			purpose := "audit-export:" + w.Name
			sink.read = func(ctx context.Context) ([]byte, error) {
				v, err := out.secrets.get(ctx, name, purpose)
				return []byte(v), err
			}
		}
		if err := start(sink, w.BatchSize, w.Timeout.D()); err != nil {
			stop()
			return nil, fmt.Errorf("audit.export.webhooks[%d]: %w", i, err)
		}
	}
	for i, s := range cfg.Audit.Export.Syslog {
		c, err := out.client(0, 0, 0)
		if err != nil {
			stop()
			return nil, err
		}
		addr := s.Address
		o := export.SyslogOptions{Name: s.Name, Addr: addr, Facility: *s.Facility,
			Dial: func(ctx context.Context) (net.Conn, error) { return c.DialTCP(ctx, addr) }}
		if host, err := os.Hostname(); err == nil {
			o.Hostname = host
		}
		if s.TLS {
			o.TLS = &export.SyslogTLS{}
			if s.CAFile != "" {
				if o.TLS.RootCAs, err = loadCAFile(s.CAFile); err != nil {
					stop()
					return nil, fmt.Errorf("audit.export.syslog[%d].ca_file: %w", i, err)
				}
			}
		}
		sink, err := export.NewSyslog(o)
		if err != nil {
			stop()
			return nil, fmt.Errorf("audit.export.syslog[%d]: %w", i, err)
		}
		closers = append(closers, sink.Close)
		if err := start(sink, 0, 0); err != nil {
			stop()
			return nil, fmt.Errorf("audit.export.syslog[%d]: %w", i, err)
		}
	}
	host, _ := os.Hostname()
	for i, o := range cfg.Audit.Export.OTLP {
		p := fmt.Sprintf("audit.export.otlp[%d]", i)
		c, err := out.client(o.Timeout.D(), 0, 0)
		if err != nil {
			stop()
			return nil, err
		}
		static, dynamic, err := otlpHeaders(p, o, out.secrets)
		if err != nil {
			stop()
			return nil, err
		}
		sink, err := export.NewOTLP(export.OTLPOptions{
			Name: o.Name, Endpoint: o.Endpoint, Client: c.HTTPClient(), Header: static, HeaderFunc: dynamic,
			Compression: o.Compression, ServiceVersion: version, InstanceID: host,
			Log: log.With("export", o.Name),
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := start(sink, o.BatchSize, o.Timeout.D()); err != nil {
			stop()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if len(exps) > 0 {
		all := exps
		notify.exps.Store(&all)
		log.Info("SIEM export", "sinks", len(exps))
	}
	return stop, nil
}

// secretWebhook is a webhook sink whose HMAC key may live in the secret
// store: the key is read (through the cache, so a rotated key is used
// within a minute) before each delivery, and a sealed store or a missing
// key fails the delivery, which is retried, rather than sending unsigned.
type secretWebhook struct {
	name, url string
	client    *http.Client
	secret    []byte
	read      func(ctx context.Context) ([]byte, error)

	mu   sync.Mutex
	hook *export.Webhook
	key  []byte
}

// Name implements export.Sink.
func (w *secretWebhook) Name() string { return w.name }

// Send implements export.Sink.
func (w *secretWebhook) Send(ctx context.Context, events []export.Event) error {
	key := w.secret
	if w.read != nil {
		k, err := w.read(ctx)
		if err != nil {
			return fmt.Errorf("webhook %s: signing key: %w", w.name, err)
		}
		key = k
	}
	w.mu.Lock()
	if w.hook == nil || !hmac.Equal(key, w.key) {
		h, err := export.NewWebhook(export.WebhookOptions{Name: w.name, URL: w.url, Secret: key, Client: w.client})
		if err != nil {
			w.mu.Unlock()
			return err
		}
		w.hook, w.key = h, key
	}
	h := w.hook
	w.mu.Unlock()
	return h.Send(ctx, events)
}

// otlpHeaders returns the headers of an OTLP sink (see referencedHeaders);
// secrets are read for the purpose "audit-export:NAME".
func otlpHeaders(path string, o config.AuditOTLP, secrets *secretCache) (static http.Header, dynamic func(context.Context) (http.Header, error), err error) {
	return referencedHeaders(path+".headers", o.Headers, secrets, "audit-export:"+o.Name)
}

// referencedHeaders splits configured header values (config.ParseHeaderValue
// syntax) into those without references or with ${env:NAME}, resolved now,
// in static; and those with ${secret:NAME} in dynamic, which reads the
// secrets at each call (through the cache, so a rotated token is used
// within a minute) and fails the call while the store is sealed or a
// secret missing: a request is never sent without its credential. path
// names the headers in errors.
func referencedHeaders(path string, headers map[string]string, secrets *secretCache, purpose string) (static http.Header, dynamic func(context.Context) (http.Header, error), err error) {
	type template struct {
		name  string
		parts []config.HeaderPart
	}
	var templates []template
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		at := path + "." + name
		parts, err := config.ParseHeaderValue(headers[name])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", at, err)
		}
		deferred := false
		for j, part := range parts {
			switch part.Scheme {
			case "":
			case config.SchemeEnv:
				v, ok := os.LookupEnv(part.Name)
				if !ok {
					return nil, nil, fmt.Errorf("%s: environment variable %s is not set", at, part.Name)
				}
				parts[j] = config.HeaderPart{Text: v}
			case config.SchemeSecret:
				deferred = true
			default:
				return nil, nil, fmt.Errorf("%s: unknown reference scheme %q", at, part.Scheme)
			}
		}
		if deferred {
			templates = append(templates, template{name, parts})
			continue
		}
		v, err := headerValue(parts, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", at, err)
		}
		if static == nil {
			static = http.Header{}
		}
		static.Set(name, v)
	}
	if len(templates) == 0 {
		return static, nil, nil
	}
	dynamic = func(ctx context.Context) (http.Header, error) {
		h := http.Header{}
		for _, t := range templates {
			v, err := headerValue(t.parts, func(name string) (string, error) { return secrets.get(ctx, name, purpose) })
			if err != nil {
				return nil, fmt.Errorf("header %s: %w", t.name, err)
			}
			h.Set(t.name, v)
		}
		return h, nil
	}
	return static, dynamic, nil
}

// headerValue joins the parts of a header value, reading secret references
// with secret. The result must be a valid header value: a secret holding a
// line break is refused (without showing it).
func headerValue(parts []config.HeaderPart, secret func(name string) (string, error)) (string, error) {
	var b strings.Builder
	for _, part := range parts {
		if part.Scheme != config.SchemeSecret {
			b.WriteString(part.Text)
			continue
		}
		v, err := secret(part.Name)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	v := b.String()
	if strings.ContainsFunc(v, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) }) {
		return "", errors.New("the value holds control characters or a line break")
	}
	return v, nil
}
