package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

// Ensure a service principal made with `palisade sp create` gets a token
// at POST /oauth2/token with the client credentials grant (through the
// real golang.org/x/oauth2 client), uses an agent with the role that names
// it (audited as sp:NAME), and that a wrong secret, a rotated-out secret
// and a disabled principal get no token.
func TestServicePrincipalEndToEnd(t *testing.T) {
	dir := t.TempDir()
	if err := writeDemoKnowledge(dir); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	path := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: hr}]}
apps:
  - {name: automation, client_ids: ["sp:build-bot"], agents: [hr]}
roles:
  - {name: bots, members: {service_principals: [build-bot]}, permissions: {agents: [hr]}}
  # Service principals are not users: all_users does not include them.
  - {name: everyone, members: {all_users: true}, permissions: {agents: [hr]}}
`, data))
	code, out, errOut := runCLI(t, "sp", "create", "build-bot", "--secret", "--description", "CI pipeline", "-c", path)
	if code != 0 {
		t.Fatalf("sp create: %d %q %q", code, out, errOut)
	}
	m := regexp.MustCompile(`client_secret: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no secret printed: %q", out)
	}
	secret := m[1]
	if code, out, _ := runCLI(t, "sp", "list", "-c", path); code != 0 || !strings.Contains(out, "build-bot") || strings.Contains(out, secret) {
		t.Fatalf("sp list: %d %q", code, out)
	}

	s := startServe(t, path, nil)
	cc := clientcredentials.Config{ClientID: "sp:build-bot", ClientSecret: secret, TokenURL: s.base + "/oauth2/token"}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if status, body := s.chat(t, tok.AccessToken, "hr", "How many days of annual leave do I get?"); status != 200 {
		t.Fatalf("chat as a service principal: %d %s", status, body)
	}
	found := false
	for _, r := range auditRows(t, data) {
		found = found || strings.HasPrefix(r, "chat.completion|success|sp:build-bot|")
	}
	if !found {
		t.Errorf("the chat is not audited as sp:build-bot:\n%s", strings.Join(auditRows(t, data), "\n"))
	}

	bad := cc
	bad.ClientSecret = "not-the-secret"
	if _, err := bad.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong secret: %v, want invalid_client", err)
	}
	// Both requests for a token are in the audit log: the issued one with
	// its jti and the service principal as actor, the refused one with
	// the claimed client ID as data and no actor; the secret is in
	// neither.
	var issued, refused bool
	for _, r := range auditRows(t, data) {
		if strings.Contains(r, secret) || strings.Contains(r, "not-the-secret") {
			t.Errorf("a client secret reached the audit log: %s", r)
		}
		issued = issued || strings.HasPrefix(r, "token.issued|success|sp:build-bot|") && strings.Contains(r, `"grant":"client_credentials"`) &&
			strings.Contains(r, `"token_id":"`)
		refused = refused || strings.HasPrefix(r, "token.refused|denied||") && strings.Contains(r, `"claimed_client_id":"sp:build-bot"`) &&
			strings.Contains(r, `"error":"invalid_client"`)
	}
	if !issued || !refused {
		t.Errorf("token requests not audited (issued %v, refused %v):\n%s", issued, refused, strings.Join(auditRows(t, data), "\n"))
	}
	code, out, _ = runCLI(t, "sp", "rotate", "build-bot", "--revoke-old", "-c", path)
	if code != 0 {
		t.Fatalf("sp rotate: %d %q", code, out)
	}
	if _, err := cc.Token(context.Background()); err == nil {
		t.Error("the revoked secret still gets a token")
	}
	m = regexp.MustCompile(`client_secret of build-bot: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no new secret printed: %q", out)
	}
	cc.ClientSecret = m[1]
	if _, err := cc.Token(context.Background()); err != nil {
		t.Errorf("the new secret: %v", err)
	}
	if code, _, errOut := runCLI(t, "sp", "disable", "build-bot", "-c", path); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := cc.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("disabled principal: %v, want invalid_client", err)
	}
}
