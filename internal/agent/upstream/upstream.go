package upstream

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// Defaults for Options fields left zero.
const (
	DefaultName                   = "upstream"
	DefaultConnectTimeout         = 10 * time.Second
	DefaultFirstByteTimeout       = 60 * time.Second
	DefaultMaxResponseBytes int64 = 8 << 20
)

const (
	// maxErrorBodyBytes bounds how much of an error response is read.
	maxErrorBodyBytes = 64 << 10
	// maxLineBytes bounds one line of an event stream.
	maxLineBytes = 1 << 20
	// maxRedirects bounds same-host redirects.
	maxRedirects = 3
	// userAgent identifies Palisade to model servers.
	userAgent = "palisade"
)

// Options configure an upstream agent.
type Options struct {
	// Name is the agent's name, used in logs and error causes.
	Name string
	// BaseURL is the API base, e.g. http://127.0.0.1:11434/v1; requests go
	// to BaseURL + "/chat/completions". A query (Azure's api-version) is
	// kept; user info in the URL is refused.
	BaseURL string
	// Model is the model name sent to the server.
	Model string
	// APIKey is the credential, already resolved from its reference. Empty
	// sends no credential.
	APIKey string
	// APIKeyHeader names the header carrying APIKey. Empty or
	// "Authorization" sends "Authorization: Bearer <key>"; any other name
	// (Azure OpenAI's "api-key") carries the raw key.
	APIKeyHeader string
	// Instructions are the agent's system prompt, sent as a leading system
	// message.
	Instructions string
	// ConnectTimeout bounds dialing and the TLS handshake of the default
	// transport. Default 10s.
	ConnectTimeout time.Duration
	// FirstByteTimeout bounds the wait for response headers after the
	// request is sent (the default transport's ResponseHeaderTimeout).
	// Default 60s.
	FirstByteTimeout time.Duration
	// HTTPClient, when set, replaces the default client (for example with
	// the SSRF-safe egress client). ConnectTimeout and FirstByteTimeout are
	// then the client's business. Its redirect policy is wrapped so that
	// redirects to another host are still refused.
	HTTPClient *http.Client
	// Credential, when set, supplies the API key for each request instead
	// of APIKey: Palisade reads it from the secret store at the point of
	// egress, so it is never part of the configuration. Its error refuses
	// the request (503 secret_unavailable unless it is an apperr.Error).
	Credential func(ctx context.Context) (string, error)
	// MaxResponseBytes bounds the size of one answer (the whole body, or the
	// whole event stream). Default 8 MiB.
	MaxResponseBytes int64
}

// Agent answers through an OpenAI-compatible model server. It is safe for
// concurrent use.
type Agent struct {
	name         string
	endpoint     string
	model        string
	instructions string
	keyHeader    string
	keyValue     string
	apiKey       string
	credential   func(ctx context.Context) (string, error)
	lastKey      atomic.Pointer[string]
	client       *http.Client
	maxBytes     int64
	// span describes the calls in traces.
	span spanInfo
}

var _ agent.Agent = (*Agent)(nil)

// New returns an agent for opts. It refuses invalid options with an
// apperr.CodeInvalidConfig error.
func New(opts Options) (*Agent, error) {
	name := opts.Name
	if name == "" {
		name = DefaultName
	}
	invalid := func(format string, args ...any) error {
		return apperr.New(apperr.KindInvalid, apperr.CodeInvalidConfig,
			"upstream agent %q: %s", name, fmt.Sprintf(format, args...))
	}

	u, err := url.Parse(opts.BaseURL)
	if err != nil {
		return nil, invalid("base URL is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, invalid("base URL must be http or https")
	case u.Host == "":
		return nil, invalid("base URL has no host")
	case u.User != nil:
		return nil, invalid("base URL must not contain credentials; use the API key")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, invalid("base URL must not have a fragment")
	}
	endpoint := u.JoinPath("chat", "completions")

	if opts.Model == "" {
		return nil, invalid("model is required")
	}
	if !validHeaderValue(opts.APIKey) {
		return nil, invalid("API key contains control characters")
	}
	header := "Authorization"
	if opts.APIKeyHeader != "" {
		if !validHeaderName(opts.APIKeyHeader) {
			return nil, invalid("API key header %q is not a valid header name", opts.APIKeyHeader)
		}
		header = http.CanonicalHeaderKey(opts.APIKeyHeader)
	}
	value := opts.APIKey
	if header == "Authorization" && value != "" {
		value = "Bearer " + value
	}

	if opts.ConnectTimeout < 0 || opts.FirstByteTimeout < 0 || opts.MaxResponseBytes < 0 {
		return nil, invalid("timeouts and limits must not be negative")
	}
	connect := cmp.Or(opts.ConnectTimeout, DefaultConnectTimeout)
	firstByte := cmp.Or(opts.FirstByteTimeout, DefaultFirstByteTimeout)
	maxBytes := cmp.Or(opts.MaxResponseBytes, DefaultMaxResponseBytes)

	var client *http.Client
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		inner := c.CheckRedirect
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if err := checkRedirect(req, via); err != nil {
				return err
			}
			if inner != nil {
				return inner(req, via)
			}
			return nil
		}
		client = &c
	} else {
		client = &http.Client{
			Transport:     newTransport(connect, firstByte),
			CheckRedirect: checkRedirect,
		}
	}

	return &Agent{
		name:         name,
		endpoint:     endpoint.String(),
		model:        opts.Model,
		instructions: opts.Instructions,
		keyHeader:    header,
		keyValue:     value,
		apiKey:       opts.APIKey,
		credential:   opts.Credential,
		client:       client,
		maxBytes:     maxBytes,
		span:         newSpanInfo(name, opts.Model, u),
	}, nil
}

// newTransport returns the dedicated transport of an upstream agent.
func newTransport(connect, firstByte time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  firstByte,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Causes of refused redirects.
var (
	errRedirect     = errors.New("redirect to another host refused")
	errRedirectLoop = errors.New("too many redirects")
)

// checkRedirect follows a redirect only to the same scheme and host, where
// the credential header may safely go again.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
		return errRedirect
	}
	if len(via) > maxRedirects {
		return errRedirectLoop
	}
	return nil
}

// Complete implements agent.Agent. When req has tools, it runs the tool
// rounds (see completeWithTools).
func (a *Agent) Complete(ctx context.Context, req *agent.Request) (_ *agent.Response, err error) {
	if req == nil {
		return nil, errEmptyRequest()
	}
	if len(req.Tools) > 0 {
		return a.completeWithTools(ctx, req)
	}
	ctx, span := a.startCall(ctx, false)
	defer func() { endCall(span, err) }()
	resp, err := a.send(ctx, a.wireRequest(req, false))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if mt := mediaType(resp); mt != "application/json" {
		return nil, a.badResponse(fmt.Errorf("content type %q", mt), "the model server answered with an unexpected content type")
	}
	return a.readCompletion(ctx, resp)
}

// Stream implements agent.Agent. When req has tools, the tool rounds and
// the final answer are requested without streaming (a streamed answer
// would have to be buffered anyway until it is known not to be a tool
// call), and the final answer is emitted as one delta.
func (a *Agent) Stream(ctx context.Context, req *agent.Request, emit func(agent.Delta) error) (_ *agent.Response, err error) {
	if req == nil {
		return nil, errEmptyRequest()
	}
	if len(req.Tools) > 0 {
		out, err := a.completeWithTools(ctx, req)
		if err != nil {
			return nil, err
		}
		if out.Content != "" {
			if err := emit(agent.Delta{Content: out.Content}); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	ctx, span := a.startCall(ctx, true)
	defer func() { endCall(span, err) }()
	resp, err := a.send(ctx, a.wireRequest(req, true))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch mt := mediaType(resp); mt {
	case "text/event-stream":
		return a.readStream(ctx, resp, emit)
	case "application/json":
		// Some servers ignore "stream": answer with one delta.
		out, err := a.readCompletion(ctx, resp)
		if err != nil {
			return nil, err
		}
		if out.Content != "" {
			if err := emit(agent.Delta{Content: out.Content}); err != nil {
				return nil, err
			}
		}
		return out, nil
	default:
		return nil, a.badResponse(fmt.Errorf("content type %q", mt), "the model server answered with an unexpected content type")
	}
}

// errEmptyRequest is the refusal of a nil request.
func errEmptyRequest() error {
	return apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "empty request")
}

// send posts the request and returns a response with a 2xx status; any
// other outcome is returned as a refusal.
func (a *Agent) send(ctx context.Context, w *chatRequest) (*http.Response, error) {
	body, err := json.Marshal(w)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
	}
	hreq, err := a.newRequest(ctx, body, w.Stream)
	if err != nil {
		if _, ok := errors.AsType[*apperr.Error](err); ok {
			return nil, err
		}
		return nil, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
	}
	resp, err := a.client.Do(hreq)
	if err != nil {
		return nil, a.transportError(ctx, err)
	}
	callStatus(ctx, resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, a.statusError(resp)
	}
	if resp.ContentLength > a.maxBytes {
		resp.Body.Close()
		return nil, a.badResponse(fmt.Errorf("content length %d over limit %d", resp.ContentLength, a.maxBytes),
			"the model server's answer is larger than Palisade accepts")
	}
	return resp, nil
}

// newRequest builds the HTTP request for one chat completion. Every header
// sent upstream is set here.
func (a *Agent) newRequest(ctx context.Context, body []byte, stream bool) (*http.Request, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	if stream {
		hreq.Header.Set("Accept", "text/event-stream")
		hreq.Header.Set("Cache-Control", "no-cache")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	hreq.Header.Set("User-Agent", userAgent)
	value := a.keyValue
	if a.credential != nil {
		key, err := a.credential(ctx)
		if err != nil {
			if _, ok := errors.AsType[*apperr.Error](err); ok {
				return nil, err
			}
			return nil, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeSecretUnavailable,
				"The credential for this agent's model server is unavailable, so the request was not sent.")
		}
		if !validHeaderValue(key) {
			return nil, apperr.New(apperr.KindUnavailable, apperr.CodeSecretUnavailable,
				"The credential for this agent's model server is not a valid header value, so the request was not sent.")
		}
		a.lastKey.Store(&key)
		value = key
		if a.keyHeader == "Authorization" && key != "" {
			value = "Bearer " + key
		}
	}
	if value != "" {
		hreq.Header.Set(a.keyHeader, value)
	}
	// The model server can join its logs to Palisade's audit events by
	// the trace id.
	telemetry.Inject(ctx, hreq.Header)
	return hreq, nil
}

// wireRequest translates req into the OpenAI request body.
func (a *Agent) wireRequest(req *agent.Request, stream bool) *chatRequest {
	msgs := make([]chatMessage, 0, len(req.Messages)+1)
	if a.instructions != "" {
		msgs = append(msgs, chatMessage{Role: agent.RoleSystem, Content: text(a.instructions)})
	}
	for _, m := range req.Messages {
		msgs = append(msgs, chatMessage{Role: m.Role, Content: text(m.Content), Name: m.Name})
	}
	w := &chatRequest{
		Model:       a.model,
		Messages:    msgs,
		Temperature: req.Temperature,
		TopP:        req.TopP,
		Stop:        req.Stop,
		User:        req.User,
		Stream:      stream,
	}
	if req.MaxTokens > 0 {
		w.MaxTokens = req.MaxTokens
	}
	if stream {
		w.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	return w
}

// readCompletion reads and decodes a non-streamed answer.
func (a *Agent) readCompletion(ctx context.Context, resp *http.Response) (*agent.Response, error) {
	c, err := a.decodeCompletion(ctx, resp)
	if err != nil {
		return nil, err
	}
	ch := c.Choices[0]
	content := ch.Message.Content
	if content == "" {
		content = ch.Message.Refusal
	}
	return &agent.Response{
		Content:      content,
		Model:        cmp.Or(c.Model, a.model),
		FinishReason: ch.FinishReason,
		Usage:        c.Usage.toAgent(),
	}, nil
}

// decodeCompletion reads and decodes a non-streamed answer that has at
// least one choice.
func (a *Agent) decodeCompletion(ctx context.Context, resp *http.Response) (*chatCompletion, error) {
	data, err := io.ReadAll(&capReader{r: resp.Body, left: a.maxBytes})
	if err != nil {
		return nil, a.readError(ctx, err)
	}
	var c chatCompletion
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, a.badResponse(err, "the model server's answer is not valid JSON")
	}
	if len(c.Choices) == 0 {
		if c.Error != nil {
			return nil, a.apiError(c.Error)
		}
		return nil, a.badResponse(errors.New("no choices"), "the model server's answer has no choices")
	}
	return &c, nil
}

// readStream reads an event stream, calling emit with each content delta.
func (a *Agent) readStream(ctx context.Context, resp *http.Response, emit func(agent.Delta) error) (*agent.Response, error) {
	body := &capReader{r: resp.Body, left: a.maxBytes}
	events := newEventReader(body, maxLineBytes)
	out := &agent.Response{Model: a.model}
	var content strings.Builder
	done := false
	for !done {
		ev, err := events.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, a.readError(ctx, err)
		}
		switch ev.Type {
		case "", "message":
		case "error":
			return nil, a.streamError(ev.Data)
		default:
			continue
		}
		if strings.TrimSpace(ev.Data) == "[DONE]" {
			done = true
			break
		}
		var chunk chatChunk
		if err := json.Unmarshal([]byte(ev.Data), &chunk); err != nil {
			return nil, a.badResponse(err, "the model server sent a malformed stream event")
		}
		if chunk.Error != nil {
			return nil, a.apiError(chunk.Error)
		}
		if chunk.Model != "" {
			out.Model = chunk.Model
		}
		if chunk.Usage != nil {
			out.Usage = chunk.Usage.toAgent()
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.FinishReason != "" {
				out.FinishReason = ch.FinishReason
			}
			if ch.Delta.Content == "" {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, a.readError(ctx, err)
			}
			content.WriteString(ch.Delta.Content)
			if err := emit(agent.Delta{Content: ch.Delta.Content}); err != nil {
				return nil, err
			}
		}
	}
	if !done && out.FinishReason == "" {
		return nil, a.badResponse(io.ErrUnexpectedEOF, "the model server's stream ended before the answer was complete")
	}
	if done {
		// Read the little that follows [DONE] so the connection is reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	}
	out.Content = content.String()
	return out, nil
}

// mediaType returns the response's media type, lower-cased, without
// parameters.
func mediaType(resp *http.Response) string {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// capReader reads at most left bytes and then fails with errTooLarge if
// the underlying reader has more.
type capReader struct {
	r    io.Reader
	left int64
}

// errTooLarge is the cause of an answer over MaxResponseBytes.
var errTooLarge = errors.New("response exceeds the size limit")

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// validHeaderValue reports whether v may be sent as a header value.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// validHeaderName reports whether v is an RFC 9110 token.
func validHeaderName(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return false
		}
	}
	return true
}
