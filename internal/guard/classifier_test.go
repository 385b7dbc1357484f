package guard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// shieldsServer answers as Azure AI Content Safety's Prompt Shields does.
func shieldsServer(t *testing.T, key string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Ocp-Apim-Subscription-Key") != key || r.URL.Query().Get("api-version") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			UserPrompt string   `json:"userPrompt"`
			Documents  []string `json:"documents"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		type analysis struct {
			AttackDetected bool `json:"attackDetected"`
		}
		resp := map[string]any{"userPromptAnalysis": analysis{strings.Contains(req.UserPrompt, "EVIL")}}
		var docs []analysis
		for _, d := range req.Documents {
			docs = append(docs, analysis{strings.Contains(d, "EVIL")})
		}
		resp["documentsAnalysis"] = docs
		_ = json.NewEncoder(w).Encode(resp)
	}))
}

func TestPromptShieldsClassifier(t *testing.T) {
	srv := shieldsServer(t, "k1")
	defer srv.Close()
	c, err := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolPromptShields, URL: srv.URL + "/contentsafety/text:shieldPrompt?api-version=2024-09-01", APIKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c2 := range []struct {
		src  Source
		text string
		want bool
	}{{FromUser, "hello", false}, {FromUser, "EVIL plan", true}, {FromContent, "doc EVIL", true}, {FromContent, "doc", false}} {
		got, _, err := c.Classify(ctx, c2.src, c2.text)
		if err != nil || got != c2.want {
			t.Errorf("%s %q: %v %v", c2.src, c2.text, got, err)
		}
	}
	e := testEngine()
	e.p.Classifier = c
	turn := e.ForAgent(nil, "").Begin(ctx, "openai")
	v, err := turn.Inspect(ctx, FromUser, "an EVIL request")
	if err != nil || v.Action != ActionBlock || Blocked(Inbound, FromUser, v).Types[0] != "classifier_attack" {
		t.Fatalf("%+v %v", v, err)
	}
	// A wrong key is a failure: closed by default.
	bad, _ := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolPromptShields, URL: srv.URL + "/?api-version=1", APIKey: "wrong"})
	e.p.Classifier = bad
	if _, err := e.ForAgent(nil, "").Begin(ctx, "openai").Inspect(ctx, FromUser, "hello"); err == nil {
		t.Fatal("classifier failure must refuse")
	}
}

func TestTextClassificationClassifierTimeoutAndFailOpen(t *testing.T) {
	slow := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer hf" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			Inputs string `json:"inputs"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if strings.Contains(req.Inputs, "slow") {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
			return
		}
		score := 0.01
		if strings.Contains(req.Inputs, "jailbreak") {
			score = 0.98
		}
		_ = json.NewEncoder(w).Encode([][]map[string]any{{{"label": "BENIGN", "score": 1 - score}, {"label": "JAILBREAK", "score": score}}})
	}))
	defer srv.Close()
	defer close(slow)
	ctx := context.Background()
	c, _ := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolTextClassification, URL: srv.URL, APIKey: "hf", Timeout: 200 * time.Millisecond})
	if got, score, err := c.Classify(ctx, FromUser, "please jailbreak"); err != nil || !got || score < 0.9 {
		t.Fatalf("%v %v %v", got, score, err)
	}
	if got, _, err := c.Classify(ctx, FromUser, "hello"); err != nil || got {
		t.Fatalf("%v %v", got, err)
	}
	if _, _, err := c.Classify(ctx, FromUser, "slow"); err == nil {
		t.Fatal("timeout not reported")
	}
	open, _ := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolTextClassification, URL: srv.URL, APIKey: "hf", Timeout: 100 * time.Millisecond, FailOpen: true})
	e := testEngine()
	e.p.Classifier = open
	v, err := e.ForAgent(nil, "").Begin(ctx, "openai").Inspect(ctx, FromUser, "slow hello")
	if err != nil || v.Action != ActionAllow {
		t.Fatalf("fail-open: %+v %v", v, err)
	}
	if _, err := NewHTTPClassifier(HTTPClassifierConfig{Protocol: "grpc"}); err == nil {
		t.Fatal("unknown protocol accepted")
	}
}

// Ensure a Credential supplies the key per call, and that a failing one is
// a failed call, refused unless the classifier fails open.
func TestClassifierCredential(t *testing.T) {
	srv := shieldsServer(t, "k-from-store")
	defer srv.Close()
	url := srv.URL + "/?api-version=2024-09-01"
	ok, err := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolPromptShields, URL: url,
		Credential: func(context.Context) (string, error) { return "k-from-store", nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := ok.Classify(t.Context(), FromUser, "EVIL"); err != nil || !got {
		t.Fatalf("Classify = %v, %v", got, err)
	}
	sealed, _ := NewHTTPClassifier(HTTPClassifierConfig{Protocol: ProtocolPromptShields, URL: url,
		Credential: func(context.Context) (string, error) { return "", errors.New("the secret store is sealed") }})
	if _, _, err := sealed.Classify(t.Context(), FromUser, "hello"); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Fatalf("Classify with a sealed store = %v, want the credential error", err)
	}
}
