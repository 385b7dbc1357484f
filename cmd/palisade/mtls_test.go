package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Ensure an egress destination with a client certificate gives a tool on
// the same URL mutual TLS: the certificate from a file, its key from the
// secret store, the server's certificate checked against the destination's
// CA; without the client certificate the server refuses the call.
func TestEgressMutualTLSForTool(t *testing.T) {
	ca := newTestCA(t, "HR CA")
	srvCert, srvKey := ca.issue(t, "hr-api", true)
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"client":%q,"days_left":5,"year":2026}`, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	f := newSecretsFixture(t, true)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	certFile := filepath.Join(dir, "client.pem")
	clientCert, clientKey := ca.issue(t, "palisade-gateway", false)
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, clientCert, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLIInput(t, string(clientKey), "secrets", "put", "hr-api-mtls", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	cfgText := func(withCert bool) string {
		cert := ""
		if withCert {
			cert = fmt.Sprintf("\n      client_cert_file: %q\n      client_key: \"${secret:hr-api-mtls}\"", certFile)
		}
		return fmt.Sprintf(`data_dir: %q
secrets: {kek: {keyset_file: %q}}
environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: hr}], tools: [leave-balance]}
egress:
  destinations:
    - name: hr-api
      url: %q
      zone: loopback
      ca_file: %q%s
tools:
  - name: leave-balance
    description: Leave days left.
    url: %q
    zone: loopback
    ca_file: %q
    intents: [leave days left]
    answer: "{{.client}} has {{.days_left}} days left."
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [hr]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [hr], tools: [leave-balance]}}
`, f.data, f.keyset, srv.URL+"/v1/leave/balance", caFile, cert, srv.URL+"/v1/leave/balance", caFile)
	}
	cfgDir := t.TempDir()
	if err := writeDemoKnowledge(cfgDir); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, writeConfig(t, cfgDir, cfgText(true)), nil)
	status, body := s.chat(t, f.appSecret, "hr", "How many leave days do I have left?")
	if status != 200 || !strings.Contains(body, "palisade-gateway has 5 days left.") {
		t.Fatalf("tool call with mutual TLS: %d %s", status, body)
	}

	cfgDir2 := t.TempDir()
	if err := writeDemoKnowledge(cfgDir2); err != nil {
		t.Fatal(err)
	}
	f.data = filepath.Join(cfgDir2, "data2")
	s2 := startServe(t, writeConfig(t, cfgDir2, cfgText(false)), nil)
	status, body = s2.chat(t, f.appSecret, "hr", "How many leave days do I have left?")
	if status != 200 || strings.Contains(body, "days left.") || !strings.Contains(body, "leave-balance") {
		t.Fatalf("tool call without the client certificate: %d %s", status, body)
	}
}
