package tools

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchServer answers every request with a small JSON document.
func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"employee":"e-42","annual":12.5,"sick":3}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkCall is a governed GET with schema validation, a path placeholder,
// query arguments, an API key read per call and a freshly signed Ed25519 user
// assertion, to a loopback server.
func BenchmarkCall(b *testing.B) {
	srv := benchServer(b)
	signer, _ := newTestSigner(b, "k1", nil)
	e := newExec(b, signer, leaveTool(srv.URL))
	args := json.RawMessage(`{"id":"e-42","year":2025}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Call(ctx, "get_leave", args, alice); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirect is the same GET with a plain http.Client, the baseline.
func BenchmarkDirect(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{}
	u := srv.URL + "/v1/employees/e-42/leave?v=2&year=2025"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("X-API-Key", testAPIKey)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
}
