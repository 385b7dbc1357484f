package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// minSecret is the shortest HMAC key a Webhook accepts.
const minSecret = 16

// WebhookOptions configure a Webhook.
type WebhookOptions struct {
	// Name identifies the sink and its export cursor (required).
	Name string
	// URL is where batches are POSTed (required; http or https).
	URL string
	// Secret is the HMAC-SHA256 key that signs every request (required,
	// at least 16 bytes; 32 random bytes is a good choice).
	Secret []byte
	// Client sends the requests (required): Palisade passes its egress
	// client, which refuses private addresses. The webhook uses a copy
	// that follows no redirects. The client's own timeout, if any,
	// applies besides the exporter's.
	Client *http.Client
	// Header holds extra headers sent with every request, such as a
	// bearer token the receiver asks for. They never appear in errors.
	Header http.Header
	// Now is the clock of the signature timestamps (default time.Now).
	Now func() time.Time
}

// Webhook is a Sink that POSTs each batch as JSON, {"events":[…]}, signed
// with X-Palisade-Signature and named by X-Palisade-Batch (see the package
// documentation). A 2xx response acknowledges the batch. 408, 429, 5xx,
// timeouts and transport errors are failures to retry; any other status
// (4xx, or a redirect: redirects are never followed, the URL must be the
// receiver's own) is a rejection, wrapping ErrRejected, retried too but
// reported as needing attention.
type Webhook struct {
	name    string
	url     string
	safeURL string
	secret  []byte
	client  *http.Client
	header  http.Header
	now     func() time.Time
}

var _ Sink = (*Webhook)(nil)

// NewWebhook returns a webhook sink, after checking its options.
func NewWebhook(o WebhookOptions) (*Webhook, error) {
	if o.Name == "" {
		return nil, errors.New("export: webhook: a name is required")
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("export: webhook %q: the URL must be an absolute http or https URL", o.Name)
	}
	if len(o.Secret) < minSecret {
		return nil, fmt.Errorf("export: webhook %q: the signing secret must be at least %d bytes", o.Name, minSecret)
	}
	if o.Client == nil {
		return nil, fmt.Errorf("export: webhook %q: an HTTP client is required", o.Name)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Never follow redirects: Go's client turns a POST redirected by 301,
	// 302 or 303 into a GET without the body, whose 2xx would count as
	// the batch acknowledged. The client is copied, so the caller's
	// transport (and its checks) stay in use.
	client := *o.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Webhook{
		name: o.Name, url: o.URL, safeURL: u.Scheme + "://" + u.Host + u.EscapedPath(),
		secret: bytes.Clone(o.Secret), client: &client, header: o.Header.Clone(), now: o.Now,
	}, nil
}

// Name returns the sink's name.
func (w *Webhook) Name() string { return w.name }

// Send POSTs the events as one signed batch.
func (w *Webhook) Send(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	body, err := encodeBatch(events)
	if err != nil {
		return fmt.Errorf("webhook %q: encode batch: %w", w.name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %q: POST %s: %w", w.name, w.safeURL, err)
	}
	for k, vs := range w.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "palisade-audit-export")
	req.Header.Set(BatchHeader, events[0].ID+".."+events[len(events)-1].ID)
	req.Header.Set(SignatureHeader, sign(w.secret, w.now(), body))
	resp, err := w.client.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, query included: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook %q: POST %s: %w", w.name, w.safeURL, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("webhook %q: POST %s: %s", w.name, w.safeURL, resp.Status)
	default:
		return fmt.Errorf("webhook %q: POST %s: %s: %w", w.name, w.safeURL, resp.Status, ErrRejected)
	}
}

// encodeBatch returns {"events":[…]}.
func encodeBatch(events []Event) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(events) * 512)
	buf.WriteString(`{"events":[`)
	for i, ev := range events {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := ev.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", ev.ID, err)
		}
		buf.Write(b)
	}
	buf.WriteString(`]}`)
	return buf.Bytes(), nil
}
