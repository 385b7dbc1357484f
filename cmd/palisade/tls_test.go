package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/identity/localidp"
)

// testCA is a certificate authority for tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a certificate and key (PEM) for cn, for a server (with
// the IP as SAN) or a client.
func (ca *testCA) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// Ensure Palisade serves HTTPS and, with a device CA, counts a request
// with a device certificate as coming from a compliant device: a policy
// that denies other devices lets it through and refuses the rest.
func TestTLSAndDeviceCertificates(t *testing.T) {
	dir := t.TempDir()
	serverCA, deviceCA := newTestCA(t, "Test server CA"), newTestCA(t, "Northwind device CA")
	srvCert, srvKey := serverCA.issue(t, "palisade", true)
	devCert, devKey := deviceCA.issue(t, "laptop-0042", false)
	strangerCert, strangerKey := newTestCA(t, "Someone else").issue(t, "stranger", false)
	for name, b := range map[string][]byte{"server.pem": srvCert, "server.key": srvKey, "devices.pem": deviceCA.pem} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeDemoKnowledge(filepath.Join(dir, "knowledge")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfgText := fmt.Sprintf(`server:
  addr: %q
  tls: {cert_file: server.pem, key_file: server.key, device_ca_file: devices.pem}
data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: knowledge/hr}]}
apps:
  - {name: cli, client_ids: [cli], agents: [hr]}
identity:
  local:
    clients: [{id: cli, redirect_uris: ["http://127.0.0.1/callback"]}]
roles:
  - {name: employee, members: {all_users: true}, permissions: {agents: [hr]}}
access:
  policies:
    - {name: managed-devices-only, when: '!device.compliant', action: deny, message: Use a company device.}
`, ln.Addr().String(), filepath.Join(dir, "data"))
	path := filepath.Join(dir, "palisade.yaml")
	_ = os.WriteFile(path, []byte(cfgText), 0o600)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Server.PublicURL, "https://127.0.0.1:") {
		t.Fatalf("public URL %q, want https", cfg.Server.PublicURL)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := localidp.NewDirectory(ctx, st, nil)
	if _, err := d.AddUser(ctx, localidp.NewUser{Username: "alice"}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	sctx, cancel := context.WithCancel(ctx)
	done, ready := make(chan error, 1), make(chan string, 1)
	go func() { done <- serve(sctx, cfg, ln, slog.New(slog.DiscardHandler), func(a string) { ready <- a }) }()
	defer func() { cancel(); <-done }()
	base := "https://" + <-ready

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(serverCA.pem)
	client := func(certPEM, keyPEM []byte) *http.Client {
		c := &tls.Config{RootCAs: roots}
		if certPEM != nil {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			// Send the certificate whatever CAs the server names.
			c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: c}, Timeout: 10 * time.Second}
	}
	tok, err := localidp.Login(ctx, client(nil, nil), base+"/idp", "cli", "http://127.0.0.1/callback", "alice", "a long enough password", "")
	if err != nil {
		t.Fatal(err)
	}
	ask := func(c *http.Client) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/chat/completions",
			strings.NewReader(`{"model":"hr","messages":[{"role":"user","content":"How many days of annual leave do I get?"}]}`))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b := make([]byte, 2048)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	if code, body := ask(client(devCert, devKey)); code != http.StatusOK {
		t.Errorf("from a managed device: %d %s", code, body)
	}
	if code, body := ask(client(nil, nil)); code != http.StatusForbidden || !strings.Contains(body, "policy_denied") || !strings.Contains(body, "company device") {
		t.Errorf("without a device certificate: %d %s", code, body)
	}
	if code, _ := ask(client(strangerCert, strangerKey)); code != 0 {
		t.Errorf("a certificate from another CA was accepted in the handshake: %d", code)
	}
}
