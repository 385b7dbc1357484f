// Package vaulttest is a stand-in for HashiCorp Vault in tests: an HTTPS
// server that speaks the documented wire protocol of the Transit engine
// (encrypt and decrypt, with "vault:vN:" ciphertexts, key versions,
// rotation and min_decryption_version) and the KV version 2 engine
// (reads with data.data and data.metadata, versions, soft deletes), with
// X-Vault-Token checks. It keeps everything in memory and is not a
// security boundary.
package vaulttest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a stand-in Vault. Its methods are safe for concurrent use.
type Server struct {
	// HTTPS is the underlying test server; HTTPS.Client() trusts it.
	HTTPS *httptest.Server
	// Token is the only token the server accepts.
	Token string

	mu      sync.Mutex
	transit map[string]*transitKey // "MOUNT/NAME"
	kv      map[string][]kvVersion // "MOUNT/PATH"
	// Requests counts the requests served.
	Requests atomic.Int64
}

type transitKey struct {
	versions      [][]byte // versions[i] is key version i+1
	minDecryption int
}

type kvVersion struct {
	data      map[string]any
	created   time.Time
	deletedAt time.Time
}

// NewServer starts a stand-in Vault that accepts token, closed when the
// test ends.
func NewServer(t interface{ Cleanup(func()) }, token string) *Server {
	s := &Server{Token: token, transit: map[string]*transitKey{}, kv: map[string][]kvVersion{}}
	s.HTTPS = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.HTTPS.Close)
	return s
}

// Host returns the server's host:port, for an hcvault:// key URI.
func (s *Server) Host() string { return strings.TrimPrefix(s.HTTPS.URL, "https://") }

// CreateTransitKey creates the AES256-GCM96 Transit key mount/keys/name.
func (s *Server) CreateTransitKey(mount, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transit[mount+"/"+name] = &transitKey{versions: [][]byte{newKey()}, minDecryption: 1}
}

// RotateTransitKey adds a new version to a Transit key, as
// POST /v1/MOUNT/keys/NAME/rotate does, and returns it.
func (s *Server) RotateTransitKey(mount, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.transit[mount+"/"+name]
	k.versions = append(k.versions, newKey())
	return len(k.versions)
}

// SetMinDecryptionVersion sets a Transit key's min_decryption_version.
func (s *Server) SetMinDecryptionVersion(mount, name string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transit[mount+"/"+name].minDecryption = v
}

// PutKV writes a new version of a KV v2 secret and returns its version.
func (s *Server) PutKV(mount, path string, data map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := mount + "/" + path
	s.kv[k] = append(s.kv[k], kvVersion{data: data, created: time.Now().UTC()})
	return len(s.kv[k])
}

// DeleteKV soft-deletes one version of a KV v2 secret, as
// DELETE /v1/MOUNT/data/PATH does for the latest.
func (s *Server) DeleteKV(mount, path string, version int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kv[mount+"/"+path][version-1].deletedAt = time.Now().UTC()
}

func newKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// writeJSON writes a response envelope as Vault does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeErrors writes Vault's error body: {"errors":[...]}.
func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, map[string]any{"errors": msgs})
}

// secretResponse is the envelope of a successful Vault response.
func secretResponse(data any) map[string]any {
	b := make([]byte, 16)
	rand.Read(b)
	return map[string]any{
		"request_id": fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]),
		"lease_id":   "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": nil, "auth": nil,
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	if r.Header.Get("X-Vault-Token") != s.Token {
		writeErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		writeErrors(w, http.StatusNotFound)
		return
	}
	parts := strings.Split(path, "/")
	switch {
	case len(parts) == 3 && (parts[1] == "encrypt" || parts[1] == "decrypt") &&
		(r.Method == http.MethodPost || r.Method == http.MethodPut):
		s.transitOp(w, r, parts[0], parts[1], parts[2])
	case len(parts) >= 3 && parts[1] == "data" && r.Method == http.MethodGet:
		s.kvRead(w, r, parts[0], strings.Join(parts[2:], "/"))
	default:
		writeErrors(w, http.StatusNotFound)
	}
}

// transitOp serves POST /v1/MOUNT/encrypt/NAME and /decrypt/NAME.
func (s *Server) transitOp(w http.ResponseWriter, r *http.Request, mount, op, name string) {
	var req struct {
		Plaintext      string `json:"plaintext"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Context        string `json:"context"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
		return
	}
	ad, err := base64.StdEncoding.DecodeString(req.AssociatedData)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "failed to base64-decode associated_data")
		return
	}
	s.mu.Lock()
	k := s.transit[mount+"/"+name]
	var versions [][]byte
	var minDec int
	if k != nil {
		versions, minDec = append([][]byte(nil), k.versions...), k.minDecryption
	}
	s.mu.Unlock()
	if k == nil {
		writeErrors(w, http.StatusBadRequest, "encryption key not found")
		return
	}
	if op == "encrypt" {
		pt, err := base64.StdEncoding.DecodeString(req.Plaintext)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "failed to base64-decode plaintext")
			return
		}
		v := len(versions)
		nonce := make([]byte, 12)
		rand.Read(nonce)
		ct := gcm(versions[v-1]).Seal(nonce, nonce, pt, ad)
		writeJSON(w, http.StatusOK, secretResponse(map[string]any{
			"ciphertext":  "vault:v" + strconv.Itoa(v) + ":" + base64.StdEncoding.EncodeToString(ct),
			"key_version": v,
		}))
		return
	}
	rest, ok := strings.CutPrefix(req.Ciphertext, "vault:v")
	ver, b64, ok2 := strings.Cut(rest, ":")
	v, err := strconv.Atoi(ver)
	if !ok || !ok2 || err != nil {
		writeErrors(w, http.StatusBadRequest, "invalid ciphertext: no prefix")
		return
	}
	if v < minDec {
		writeErrors(w, http.StatusBadRequest, "ciphertext or signature version is disallowed by policy (too old)")
		return
	}
	if v < 1 || v > len(versions) {
		writeErrors(w, http.StatusBadRequest, "invalid ciphertext: key version not found")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 12 {
		writeErrors(w, http.StatusBadRequest, "invalid ciphertext: could not decode")
		return
	}
	pt, err := gcm(versions[v-1]).Open(nil, raw[:12], raw[12:], ad)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "cipher: message authentication failed")
		return
	}
	writeJSON(w, http.StatusOK, secretResponse(map[string]any{"plaintext": base64.StdEncoding.EncodeToString(pt)}))
}

func gcm(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return a
}

// kvRead serves GET /v1/MOUNT/data/PATH[?version=N].
func (s *Server) kvRead(w http.ResponseWriter, r *http.Request, mount, path string) {
	s.mu.Lock()
	versions := append([]kvVersion(nil), s.kv[mount+"/"+path]...)
	s.mu.Unlock()
	if len(versions) == 0 {
		writeErrors(w, http.StatusNotFound)
		return
	}
	v := len(versions)
	if q := r.URL.Query().Get("version"); q != "" && q != "0" {
		n, err := strconv.Atoi(q)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "error parsing version")
			return
		}
		if n < 1 || n > len(versions) {
			writeErrors(w, http.StatusNotFound)
			return
		}
		v = n
	}
	kv := versions[v-1]
	deletion := ""
	if !kv.deletedAt.IsZero() {
		deletion = kv.deletedAt.Format(time.RFC3339Nano)
	}
	meta := map[string]any{
		"created_time": kv.created.Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": deletion, "destroyed": false, "version": v,
	}
	if deletion != "" {
		// Vault answers a deleted version with 404 and its metadata.
		writeJSON(w, http.StatusNotFound, secretResponse(map[string]any{"data": nil, "metadata": meta}))
		return
	}
	writeJSON(w, http.StatusOK, secretResponse(map[string]any{"data": kv.data, "metadata": meta}))
}
