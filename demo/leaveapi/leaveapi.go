// Package leaveapi is the demo's internal HR "leave balance" API: a
// service of the fictional Northwind Robotics that Palisade's agents reach
// only through a tool call. It trusts nobody's word for who is asking: each
// request must carry the API key Palisade injects from its secret store and
// a user assertion signed by Palisade, which it verifies against
// Palisade's published keys; it answers for that user only.
package leaveapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/tools"
)

// Audience is the aud claim the API requires in user assertions.
const Audience = "northwind-leave-api"

// Path is the API's one operation.
const Path = "/v1/leave/balance"

// Options configures the API.
type Options struct {
	// APIKey is the key callers must send in X-API-Key.
	APIKey string
	// Issuer is Palisade's public URL, the assertions' issuer.
	Issuer string
	// KeysURL serves the JWKS that verifies the assertions.
	KeysURL string
	// Client fetches the keys; nil means a client with a 5s timeout.
	Client *http.Client
	// Balances are the days of leave left per user ("local:alice");
	// employees not listed have DefaultDays.
	Balances map[string]int
	// DefaultDays is the balance of employees not in Balances.
	DefaultDays int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler serves the API.
type Handler struct {
	opts Options

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// New returns the API's handler.
func New(opts Options) *Handler {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Handler{opts: opts}
}

// keysTTL is how long fetched keys are used before they are fetched
// again; keysRefetch is the least time between two fetches, so that
// invalid assertions cannot make the API hammer Palisade.
const (
	keysTTL     = time.Minute
	keysRefetch = 10 * time.Second
)

// keySet returns Palisade's assertion keys, fetched at most once a minute
// (and again at once when refresh is set: a key id not seen yet).
func (h *Handler) keySet(ctx context.Context, refresh bool) (jose.JSONWebKeySet, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	age := h.opts.Now().Sub(h.fetched)
	if len(h.keys.Keys) > 0 && (age < keysTTL && !refresh || age < keysRefetch) {
		return h.keys, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.opts.KeysURL, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch Palisade's assertion keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch Palisade's assertion keys: status %d", resp.StatusCode)
	}
	var ks jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ks); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("read Palisade's assertion keys: %w", err)
	}
	h.keys, h.fetched = ks, h.opts.Now()
	return ks, nil
}

// balance is the API's answer.
type balance struct {
	Employee string `json:"employee"`
	Name     string `json:"name,omitempty"`
	Year     int    `json:"year"`
	DaysLeft int    `json:"days_left"`
}

// ServeHTTP answers GET /v1/leave/balance for the user the assertion
// names.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-API-Key")), []byte(h.opts.APIKey)) != 1 || h.opts.APIKey == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong API key"})
		return
	}
	token := r.Header.Get("X-Palisade-Assertion")
	if token == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no user assertion: this API answers for a signed-in employee only"})
		return
	}
	claims, err := h.verify(r.Context(), token)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the user assertion is not valid"})
		return
	}
	if claims.Subject == "" || strings.HasPrefix(claims.Subject, "app:") {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "leave balances are given to signed-in employees only"})
		return
	}
	days, ok := h.opts.Balances[claims.Subject]
	if !ok {
		days = h.opts.DefaultDays
	}
	writeJSON(w, http.StatusOK, balance{Employee: claims.Subject, Name: claims.Name, Year: h.opts.Now().Year(), DaysLeft: days})
}

// verify checks an assertion against Palisade's keys, fetching them again
// once if the key is not known (Palisade rotated it).
func (h *Handler) verify(ctx context.Context, token string) (*tools.AssertionClaims, error) {
	ks, err := h.keySet(ctx, false)
	if err != nil {
		return nil, err
	}
	c, err := tools.VerifyAssertion(token, ks, h.opts.Issuer, Audience, h.opts.Now())
	if err == nil {
		return c, nil
	}
	if ks, err2 := h.keySet(ctx, true); err2 == nil {
		return tools.VerifyAssertion(token, ks, h.opts.Issuer, Audience, h.opts.Now())
	}
	return nil, err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
