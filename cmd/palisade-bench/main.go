// Command palisade-bench measures Palisade against a baseline: it runs a
// mock OpenAI-compatible model server, a bare reverse proxy, and a
// closed-loop load generator.
//
//	palisade-bench mock  [--addr 127.0.0.1:0] [--mode instant|latency|stream] [--latency 20ms] [--chunks 20] [--chunk-delay 2ms] [--answer-bytes 200] [--api-key K] [--for 10m]
//	palisade-bench proxy --upstream URL [--addr 127.0.0.1:0] [--conns 1024] [--for 10m]
//	palisade-bench load  --url URL [--path /v1/chat/completions] [--concurrency N] [--duration 10s | --requests N] [--header 'K: V']... [--body-file F | --model M] [--method M] [--stream] [--timeout 30s] [--json]
//	palisade-bench login --issuer URL --client ID --redirect URI --user NAME < password
//
// Servers bind loopback unless --allow-remote is given, print their URL on
// the first line of stdout, and stop after --for or on SIGINT/SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/loadgen"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: palisade-bench <command> [flags]

commands:
  mock   run a mock OpenAI-compatible model server
  proxy  run a bare reverse proxy (the baseline) in front of an upstream
  load   drive closed-loop load against a URL and report
  login  sign a user of the built-in identity provider in and print the access token

Run "palisade-bench <command> -h" for a command's flags.
`

// Main runs the command in args and returns the exit code: 0 on success,
// 1 on failure, 2 on a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "mock":
		err = runMock(ctx, args[1:], stdout, stderr)
	case "proxy":
		err = runProxy(ctx, args[1:], stdout, stderr)
	case "load":
		err = runLoad(ctx, args[1:], stdout, stderr)
	case "login":
		err = runLogin(ctx, args[1:], os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "palisade-bench: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "palisade-bench %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "palisade-bench %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a bad flag value.
type usageError struct{ error }

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("palisade-bench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// serverFlags are the flags shared by the server commands.
type serverFlags struct {
	addr        string
	allowRemote bool
	lifetime    time.Duration
}

func (s *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.addr, "addr", "127.0.0.1:0", "listen address")
	fs.BoolVar(&s.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	fs.DurationVar(&s.lifetime, "for", 10*time.Minute, "stop after this long (at most 24h)")
}

func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("mock", stderr)
	var sf serverFlags
	sf.register(fs)
	mode := fs.String("mode", "instant", "timing: instant, latency or stream")
	latency := fs.Duration("latency", mockllm.DefaultLatency, "latency mode: delay before answering")
	chunks := fs.Int("chunks", mockllm.DefaultChunks, "content chunks of a streamed answer")
	chunkDelay := fs.Duration("chunk-delay", mockllm.DefaultChunkDelay, "stream mode: delay between chunks")
	answerBytes := fs.Int("answer-bytes", mockllm.DefaultAnswerBytes, "length of the answer")
	apiKey := fs.String("api-key", "", "require this API key (Bearer or api-key header)")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := mockllm.ParseMode(*mode)
	if err != nil {
		return usageError{err}
	}
	srv, err := mockllm.New(mockllm.Config{Mode: m, Latency: *latency, Chunks: *chunks, ChunkDelay: *chunkDelay,
		AnswerBytes: *answerBytes, APIKey: *apiKey})
	if err != nil {
		return usageError{err}
	}
	return serve(ctx, sf, srv, stdout, stderr)
}

func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("proxy", stderr)
	var sf serverFlags
	sf.register(fs)
	upstream := fs.String("upstream", "", "upstream base URL (required)")
	conns := fs.Int("conns", 1024, "keep-alive connections to the upstream")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, err := url.Parse(*upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Errorf("--upstream %q must be an absolute http or https URL", *upstream)}
	}
	if *conns < 1 || *conns > loadgen.MaxConcurrency {
		return usageError{fmt.Errorf("--conns must be between 1 and %d", loadgen.MaxConcurrency)}
	}
	return serve(ctx, sf, loadgen.NewProxy(u, *conns), stdout, stderr)
}

// headerList collects repeated --header flags.
type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr)
	target := fs.String("url", "", "server base URL (required)")
	path := fs.String("path", loadgen.DefaultPath, "request path")
	method := fs.String("method", "", "HTTP method (default POST with a body, GET without)")
	concurrency := fs.Int("concurrency", 1, "workers, each with its own keep-alive connection")
	duration := fs.Duration("duration", 0, "run this long (default 10s unless --requests is set; at most 1h)")
	requests := fs.Int("requests", 0, "run this many requests")
	timeout := fs.Duration("timeout", loadgen.DefaultTimeout, "bound on one request")
	var headers headerList
	fs.Var(&headers, "header", "header 'Key: Value' (repeatable)")
	bodyFile := fs.String("body-file", "", "request body file")
	model := fs.String("model", loadgen.DefaultModel, "model of the generated chat request (without --body-file)")
	stream := fs.Bool("stream", false, "ask for a streamed answer and measure time to first byte")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *target == "" {
		return usageError{errors.New("--url is required")}
	}
	cfg := loadgen.Config{
		URL: *target, Path: *path, Method: strings.ToUpper(*method), Header: http.Header{},
		Concurrency: *concurrency, Duration: *duration, Requests: *requests, Stream: *stream, Timeout: *timeout,
	}
	if cfg.Concurrency < 1 {
		return usageError{errors.New("--concurrency must be at least 1")}
	}
	for _, h := range headers {
		k, v, err := loadgen.ParseHeader(h)
		if err != nil {
			return usageError{err}
		}
		cfg.Header.Add(k, v)
	}
	switch {
	case *bodyFile != "":
		b, err := readBounded(*bodyFile, 16<<20)
		if err != nil {
			return err
		}
		cfg.Body = b
	case cfg.Method == "" || cfg.Method == http.MethodPost:
		cfg.Body = loadgen.ChatBody(*model, *stream)
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return usageError{err}
	}
	if *asJSON {
		b, err := res.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	return res.WriteText(stdout)
}

// readBounded reads a file of at most max bytes.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// serve runs h on sf.addr until ctx ends or sf.lifetime passes, printing
// the server's URL on stdout first.
func serve(ctx context.Context, sf serverFlags, h http.Handler, stdout, stderr io.Writer) error {
	if sf.lifetime <= 0 || sf.lifetime > 24*time.Hour {
		return usageError{errors.New("--for must be between 0 and 24h")}
	}
	if !sf.allowRemote && !isLoopback(sf.addr) {
		return usageError{fmt.Errorf("--addr %q is not a loopback address; add --allow-remote to listen on it", sf.addr)}
	}
	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, cancel := context.WithTimeout(ctx, sf.lifetime)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	fmt.Fprintf(stderr, "listening on http://%s; stopping after %v or on interrupt\n", ln.Addr(), sf.lifetime)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-errc
	return nil
}

// isLoopback reports whether addr's host is a loopback name or address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// runLogin signs a user of Palisade's built-in identity provider in with
// the real authorization code flow (the login form, PKCE) and prints the
// access token, for load tests that present a user's token. The password
// is read from standard input.
func runLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("login", stderr)
	issuer := fs.String("issuer", "", "the provider's issuer URL, e.g. http://127.0.0.1:8080/idp (required)")
	client := fs.String("client", "", "a public client registered with the provider (required)")
	redirect := fs.String("redirect", "http://127.0.0.1/callback", "the client's redirect URI")
	user := fs.String("user", "", "username (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *issuer == "" || *client == "" || *user == "" {
		return usageError{errors.New("--issuer, --client and --user are required")}
	}
	pw, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return err
	}
	tok, err := localidp.Login(ctx, nil, *issuer, *client, *redirect, *user, strings.TrimRight(string(pw), "\r\n"), "")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok.AccessToken)
	return err
}
