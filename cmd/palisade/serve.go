package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/metrics"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

func newServeCmd(s streams) *cobra.Command {
	var path, logLevel string
	cmd := &cobra.Command{
		Use:   "serve --config FILE",
		Short: "Run the gateway with a configuration file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(s.err, logLevel)
			if err != nil {
				return err
			}
			// Lines logged for a request carry its request and trace ids.
			log = slog.New(telemetry.NewLogHandler(log.Handler()))
			// Libraries that log through the default logger (the
			// OpenID provider library) log like Palisade does.
			slog.SetDefault(log)
			cfg, err := loadConfig(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			ln, err := net.Listen("tcp", cfg.Server.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
			}
			return serve(cmd.Context(), cfg, ln, log, func(addr string) {
				fmt.Fprintf(s.out, "palisade listening on http://%s\n", addr)
			})
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// serve runs the gateway for cfg on ln until ctx is cancelled. ready is
// called once the gateway accepts requests.
func serve(ctx context.Context, cfg *config.Config, ln net.Listener, log *slog.Logger, ready func(addr string)) error {
	defer ln.Close()
	log = slog.New(telemetry.NewLogHandler(log.Handler()))
	met, mln, err := listenMetrics(cfg)
	if err != nil {
		return err
	}
	if mln != nil {
		defer mln.Close()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// The observers stay nil interfaces (not nil pointers) without metrics.
	var (
		obs      gateway.Observer
		cpObs    checkpoint.Observer
		journalO audit.JournalOptions
	)
	if met != nil {
		obs, cpObs, journalO.Observer = met, met, met
	}
	// The SIEM exporters start after the journal (they need the secret
	// store, which audits through it); they are woken after each commit.
	notify := &exportNotifier{next: journalO.Observer}
	journalO.Observer = notify
	rec := audit.NewJournal(st, journalO)
	defer rec.Close()
	if met != nil {
		met.WatchAuditQueue(rec.QueueDepth)
	}
	out, err := newOutbound(cfg, log, egressRecorder(rec, log))
	if err != nil {
		return err
	}
	mgr, err := openSecrets(cfg, st, rec, out)
	if err != nil {
		return err
	}
	out.secrets = newSecretCache(mgr)
	warnSecretRefs(ctx, cfg, mgr, log)
	tracing, stopTelemetry, err := startTelemetry(cfg, out, log)
	if err != nil {
		return err
	}
	defer stopTelemetry() // last: spans of the requests that ended are flushed
	if strings.HasSuffix(cfg.Server.PublicURL, ":0") {
		// Listening on a free port: the public URL (sign-in redirects,
		// the built-in provider's issuer) is the port actually bound.
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		cfg.Server.PublicURL = strings.TrimSuffix(cfg.Server.PublicURL, "0") + port
	}
	g, cleanup, err := buildGateway(ctx, cfg, st, rec, out, log, obs, tracing.TracerProvider())
	if err != nil {
		return err
	}
	defer cleanup()
	stopExport, err := startExport(ctx, cfg, st, out, notify, met, log)
	if err != nil {
		return err
	}
	defer stopExport() // on early returns; a no-op after the call below
	for _, u := range cfg.Unsafe() {
		log.Warn("unsafe option in effect", "option", u)
	}
	if err := recordConfigChange(ctx, cfg, st, rec); err != nil {
		return fmt.Errorf("the configuration change cannot be audited, refusing to start: %w", err)
	}
	if _, err := rec.Record(ctx, audit.Event{Type: audit.TypeServerStarted, Outcome: audit.OutcomeSuccess,
		Data: map[string]any{"version": version, "agents": len(cfg.Agents), "apps": len(cfg.Apps), "unsafe": cfg.Unsafe()}}); err != nil {
		return fmt.Errorf("the audit log cannot be written, refusing to start: %w", err)
	}
	// Start-up hashes secrets with argon2id (tens of MiB, once); give
	// that memory back to the system rather than keep it as heap.
	debug.FreeOSMemory()
	jctx, stopJanitor := context.WithCancel(ctx)
	defer stopJanitor()
	go runJanitor(jctx, st, log)
	stopCheckpoints, err := startCheckpoints(ctx, cfg, st, log, cpObs)
	if err != nil {
		return err
	}
	defer stopCheckpoints() // on early returns; a no-op after the call below
	stopMetrics := serveMetrics(cfg.Server, met, mln, log)
	defer stopMetrics() // likewise
	log.Info("palisade started", "addr", ln.Addr().String(), "agents", len(cfg.Agents), "apps", len(cfg.Apps), "store", cfg.Store.Driver)
	if ready != nil {
		ready(ln.Addr().String())
	}
	so := cfg.Server
	tlsCfg, err := serverTLS(so.TLS)
	if err != nil {
		return err
	}
	err = g.Serve(ctx, ln, gateway.ServerOptions{
		ReadHeaderTimeout: so.ReadHeaderTimeout.D(), ReadTimeout: so.ReadTimeout.D(), WriteTimeout: so.WriteTimeout.D(),
		IdleTimeout: so.IdleTimeout.D(), ShutdownTimeout: so.ShutdownTimeout.D(), TLS: tlsCfg,
	})
	if _, rerr := rec.Record(context.WithoutCancel(ctx), audit.Event{Type: audit.TypeServerStopped, Outcome: audit.OutcomeSuccess}); rerr != nil {
		log.Error("could not record shutdown", "err", rerr)
	}
	stopCheckpoints()
	stopExport()
	stopMetrics()
	log.Info("palisade stopped")
	return err
}

// listenMetrics makes the metrics and binds their listener when
// server.metrics_addr is set; it returns nils when it is not. Binding port
// 0 picks a free port, written back to cfg.Server.MetricsAddr.
func listenMetrics(cfg *config.Config) (*metrics.Metrics, net.Listener, error) {
	addr := cfg.Server.MetricsAddr
	if addr == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (server.metrics_addr): %w", addr, err)
	}
	cfg.Server.MetricsAddr = ln.Addr().String()
	actions := map[string]string{}
	for _, p := range cfg.Access.Policies {
		actions[p.Name] = p.Action
	}
	return metrics.New(metrics.Options{PolicyActions: actions}), ln, nil
}

// serveMetrics serves GET /metrics on ln, a listener of its own (never the
// public one), with the server's timeouts. The returned stop shuts it down
// gracefully; it may be called more than once. Without metrics it does
// nothing.
func serveMetrics(so config.Server, met *metrics.Metrics, ln net.Listener, log *slog.Logger) (stop func()) {
	if met == nil || ln == nil {
		return func() {}
	}
	srv := &http.Server{
		Handler:           met.Handler(),
		ReadHeaderTimeout: so.ReadHeaderTimeout.D(),
		ReadTimeout:       so.ReadTimeout.D(),
		WriteTimeout:      so.WriteTimeout.D(),
		IdleTimeout:       so.IdleTimeout.D(),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "addr", ln.Addr().String(), "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	var once sync.Once
	return func() {
		once.Do(func() {
			timeout := so.ShutdownTimeout.D()
			if timeout <= 0 {
				timeout = 30 * time.Second
			}
			sctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				log.Warn("metrics listener shutdown", "err", err)
				_ = srv.Close()
			}
			<-done
		})
	}
}

// serverTLS builds the listener's TLS configuration: the server
// certificate, TLS 1.2 at least, and, with a device CA, client
// certificates verified against it when a client offers one (requests
// without one are still served; policies decide with device.compliant).
func serverTLS(t *config.TLS) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.DeviceCAFile != "" {
		pem, err := os.ReadFile(t.DeviceCAFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.device_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server.tls.device_ca_file: no PEM certificate in %s", t.DeviceCAFile)
		}
		c.ClientCAs, c.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return c, nil
}

// finalCheckpointTimeout bounds the checkpoint signed at shutdown.
const finalCheckpointTimeout = 10 * time.Second

// startCheckpoints starts signing checkpoints of the audit log in the
// background. The returned stop ends it and signs a last checkpoint, so
// that the events of this run (its server.stopped event included) are
// covered; it may be called more than once. Failing to load the signing
// key refuses the start.
func startCheckpoints(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger, obs checkpoint.Observer) (stop func(), err error) {
	a := cfg.Audit
	cp, err := checkpoint.New(ctx, st, checkpoint.Options{Origin: a.Origin, Every: a.CheckpointEvery,
		Interval: a.CheckpointInterval.D(), Dir: a.CheckpointDir, Log: log, Observer: obs})
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	log.Info("audit checkpoints", "origin", a.Origin, "verifier_key", cp.VerifierKey(), "dir", a.CheckpointDir)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cp.Run(rctx) // Run logs its own failures
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalCheckpointTimeout)
			defer cancel()
			if ck, err := cp.CheckpointNow(fctx); err != nil {
				log.Error("could not sign the final audit checkpoint", "err", err)
			} else {
				log.Info("audit checkpoint", "size", ck.Size, "root", ck.Hash.String())
			}
		})
	}, nil
}
