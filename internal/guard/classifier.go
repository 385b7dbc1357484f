package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Classifier protocols.
const (
	// ProtocolPromptShields is Azure AI Content Safety's Prompt Shields
	// (POST {"userPrompt", "documents"} -> attackDetected).
	ProtocolPromptShields = "prompt_shields"
	// ProtocolTextClassification is a text-classification endpoint as
	// served by Hugging Face inference and text-embeddings-inference for
	// models such as Prompt Guard (POST {"inputs"} -> [{"label","score"}]).
	ProtocolTextClassification = "text_classification"
)

// HTTPClassifierConfig configures an external classifier.
type HTTPClassifierConfig struct {
	Protocol string
	// URL is the full endpoint URL (for Prompt Shields including the
	// api-version query).
	URL string
	// APIKey is sent as Ocp-Apim-Subscription-Key (Prompt Shields) or as a
	// Bearer token (text classification); empty sends none.
	APIKey string
	// Credential, when set, supplies the key for each call instead of
	// APIKey (read from the secret store at the point of egress). Its
	// error is a failed call: refused unless FailOpen.
	Credential func(ctx context.Context) (string, error)
	// Timeout bounds one call; default 2s.
	Timeout time.Duration
	// FailOpen allows the text when the classifier cannot answer. Unsafe.
	FailOpen bool
	// Threshold is the score at or above which an attack label counts;
	// default 0.5.
	Threshold float64
	// AttackLabels are the labels meaning attack (text classification);
	// default INJECTION, JAILBREAK, MALICIOUS.
	AttackLabels []string
	// Client is the HTTP client; default one with Timeout.
	Client *http.Client
}

// HTTPClassifier asks an external service whether a text is an attack.
type HTTPClassifier struct {
	cfg    HTTPClassifierConfig
	labels map[string]bool
}

// maxClassifierResponse bounds what is read from the classifier.
const maxClassifierResponse = 64 << 10

// NewHTTPClassifier returns a classifier for cfg.
func NewHTTPClassifier(cfg HTTPClassifierConfig) (*HTTPClassifier, error) {
	switch cfg.Protocol {
	case ProtocolPromptShields, ProtocolTextClassification:
	default:
		return nil, fmt.Errorf("guard: classifier protocol %q: want %s or %s", cfg.Protocol, ProtocolPromptShields, ProtocolTextClassification)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Threshold <= 0 {
		cfg.Threshold = 0.5
	}
	if len(cfg.AttackLabels) == 0 {
		cfg.AttackLabels = []string{"INJECTION", "JAILBREAK", "MALICIOUS"}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	c := &HTTPClassifier{cfg: cfg, labels: map[string]bool{}}
	for _, l := range cfg.AttackLabels {
		c.labels[strings.ToUpper(l)] = true
	}
	return c, nil
}

// FailOpen reports whether a failure allows the text.
func (c *HTTPClassifier) FailOpen() bool { return c.cfg.FailOpen }

// Classify asks the service about text.
func (c *HTTPClassifier) Classify(ctx context.Context, src Source, text string) (bool, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body any
	if c.cfg.Protocol == ProtocolPromptShields {
		req := map[string]any{"userPrompt": text, "documents": []string{}}
		if src == FromContent {
			req = map[string]any{"userPrompt": "", "documents": []string{text}}
		}
		body = req
	} else {
		body = map[string]any{"inputs": text}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return false, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(b))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	key := c.cfg.APIKey
	if c.cfg.Credential != nil {
		if key, err = c.cfg.Credential(ctx); err != nil {
			return false, 0, fmt.Errorf("guard: classifier credential: %w", err)
		}
	}
	if key != "" {
		if strings.ContainsAny(key, "\r\n\x00") {
			return false, 0, errors.New("guard: classifier credential is not a valid header value")
		}
		if c.cfg.Protocol == ProtocolPromptShields {
			req.Header.Set("Ocp-Apim-Subscription-Key", key)
		} else {
			req.Header.Set("Authorization", "Bearer "+key)
		}
	}
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return false, 0, fmt.Errorf("guard: classifier: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxClassifierResponse+1))
	if err != nil {
		return false, 0, fmt.Errorf("guard: classifier: read: %w", err)
	}
	if len(data) > maxClassifierResponse {
		return false, 0, errors.New("guard: classifier: response too large")
	}
	if resp.StatusCode != http.StatusOK {
		return false, 0, fmt.Errorf("guard: classifier: status %d", resp.StatusCode)
	}
	if c.cfg.Protocol == ProtocolPromptShields {
		return parseShields(data, src)
	}
	return c.parseLabels(data)
}

func parseShields(data []byte, src Source) (bool, float64, error) {
	var r struct {
		UserPromptAnalysis *struct {
			AttackDetected bool `json:"attackDetected"`
		} `json:"userPromptAnalysis"`
		DocumentsAnalysis []struct {
			AttackDetected bool `json:"attackDetected"`
		} `json:"documentsAnalysis"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return false, 0, fmt.Errorf("guard: classifier: %w", err)
	}
	if src == FromContent {
		if len(r.DocumentsAnalysis) == 0 {
			return false, 0, errors.New("guard: classifier: no documentsAnalysis in the answer")
		}
		for _, d := range r.DocumentsAnalysis {
			if d.AttackDetected {
				return true, 1, nil
			}
		}
		return false, 0, nil
	}
	if r.UserPromptAnalysis == nil {
		return false, 0, errors.New("guard: classifier: no userPromptAnalysis in the answer")
	}
	if r.UserPromptAnalysis.AttackDetected {
		return true, 1, nil
	}
	return false, 0, nil
}

func (c *HTTPClassifier) parseLabels(data []byte) (bool, float64, error) {
	type label struct {
		Label string  `json:"label"`
		Score float64 `json:"score"`
	}
	var flat []label
	if err := json.Unmarshal(data, &flat); err != nil {
		var nested [][]label
		if err2 := json.Unmarshal(data, &nested); err2 != nil || len(nested) == 0 {
			return false, 0, fmt.Errorf("guard: classifier: unexpected answer: %w", err)
		}
		flat = nested[0]
	}
	if len(flat) == 0 {
		return false, 0, errors.New("guard: classifier: no labels in the answer")
	}
	best := 0.0
	for _, l := range flat {
		if c.labels[strings.ToUpper(l.Label)] && l.Score > best {
			best = l.Score
		}
	}
	return best >= c.cfg.Threshold, best, nil
}
