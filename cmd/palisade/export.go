package main

import (
	"context"
	"crypto/hmac"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
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
	start := func(sink export.Sink) error {
		e, err := export.New(st, sink, export.Options{Log: log.With("export", sink.Name())})
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
		if err := start(sink); err != nil {
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
		if err := start(sink); err != nil {
			stop()
			return nil, fmt.Errorf("audit.export.syslog[%d]: %w", i, err)
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
