package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/audit/export"
)

// Ensure `serve` exports the audit log to the configured SIEM sinks: a
// webhook whose HMAC key is read from the secret store (each batch signed
// and verifiable) and a syslog receiver over TCP (RFC 5424, octet-counted),
// both reached through the egress policy's loopback zone.
func TestServeExportsAuditLog(t *testing.T) {
	const hmacKey = "siem-hmac-key-VALUE-0123456789abcdef0123"
	var mu sync.Mutex
	var hooked []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := export.VerifySignature([]byte(hmacKey), r.Header.Get(export.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var b struct {
			Events []struct {
				Schema, Type string
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, e := range b.Events {
			hooked = append(hooked, e.Schema+" "+e.Type)
		}
		mu.Unlock()
	}))
	defer hook.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	frames := make(chan string, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					n, err := r.ReadString(' ')
					if err != nil {
						return
					}
					size, err := strconv.Atoi(strings.TrimSpace(n))
					if err != nil {
						return
					}
					msg := make([]byte, size)
					if _, err := io.ReadFull(r, msg); err != nil {
						return
					}
					frames <- string(msg)
				}
			}()
		}
	}()

	f := newSecretsFixture(t, true)
	if code, _, errOut := runCLIInput(t, hmacKey, "secrets", "put", "siem-hmac", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	path := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
secrets: {kek: {keyset_file: %q}}
audit:
  export:
    webhooks:
      - {name: siem, url: %q, secret: "${secret:siem-hmac}", zone: loopback}
    syslog:
      - {name: soc, address: %q, zone: loopback}
`, f.data, f.keyset, hook.URL+"/ingest", ln.Addr().String()))
	startServe(t, path, nil)

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(hooked, "\n")
		mu.Unlock()
		if strings.Contains(got, "palisade.audit/v1 server.started") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook did not receive server.started; got:\n%s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-frames:
			if strings.HasPrefix(m, "<") && strings.Contains(m, " palisade - server.started [palisade@32473 ") {
				return
			}
		case <-timeout:
			t.Fatal("the syslog receiver did not receive server.started")
		}
	}
}

// Ensure a syslog sink without a zone cannot reach a loopback receiver,
// and says so at its line.
func TestExportNeedsZone(t *testing.T) {
	path := writeConfig(t, t.TempDir(), "audit:\n  export:\n    syslog:\n      - {name: soc, address: \"127.0.0.1:6514\", tls: true}\n")
	code, _, errOut := runCLI(t, "config", "validate", path)
	if code != 1 || !strings.Contains(errOut, "palisade.yaml:4: audit.export.syslog[0].address: egress refuses this destination") {
		t.Fatalf("validate: %d %q", code, errOut)
	}
}
