package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/demo"
	"github.com/palisade-gw/palisade/demo/leaveapi"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/secrets"
)

// demoSecretEnv is the reference name under which the demo config finds
// its app secret.
const demoSecretEnv = "PALISADE_DEMO_APP_SECRET"

// demoCLIClient is the built-in provider's client through which the demo
// issues its ready token.
const demoCLIClient = "palisade-cli"

const demoConfig = `# Palisade demo configuration, written by "palisade demo".
# Copy it as a starting point for your own: palisade serve --config FILE
server:
  addr: %[1]q
data_dir: %[2]q
environments:
  - name: demo
    region: local
    transcript_retention_days: 30
agents:
  - name: hr-helpdesk
    description: Northwind Robotics HR helpdesk (answers from the HR knowledge base, with citations)
    environment: demo
    kind: knowledge
    knowledge:
      - name: hr
        path: knowledge/hr
    # "How many leave days do I have left?" is answered by calling the HR
    # leave API for the signed-in employee (see tools below).
    tools: [leave-balance]
tools:
  - name: leave-balance
    description: Days of annual leave the signed-in employee has left this year.
    # Northwind's internal HR API, on a loopback listener of its own. It is
    # reachable only through the hr-internal zone below.
    url: http://127.0.0.1:%[5]s/v1/leave/balance
    zone: hr-internal
    auth:
      # Read from the secret store at each call; never shown to an agent.
      api_key: {header: X-API-Key, value: "${secret:leave-api-key}"}
    # Who is asking, signed by Palisade: the API verifies it with the keys
    # at /.well-known/palisade-assertion-keys and answers for that user.
    user_assertion: {audience: northwind-leave-api}
    intents: [leave days left, leave balance, remaining leave, holiday days left]
    answer: "You have {{.days_left}} days of annual leave left in {{.year}}."
egress:
  zones:
    # The HR systems' network; here, the leave API's loopback address.
    - name: hr-internal
      cidrs: [127.0.0.1/32]
secrets:
  # The secret store's key-encryption key. The demo keeps it in its data
  # directory, which the posture report flags as unsafe: a real deployment
  # keeps it on other storage (palisade secrets keygen --out FILE).
  kek:
    keyset_file: secrets-kek.json
apps:
  - name: demo-app
    # The secret is referenced, never written here: the demo keeps it in
    # demo.secret and demo.env. Direct Line clients use it.
    secrets: ["${env:` + demoSecretEnv + `}"]
    # User tokens issued by the built-in identity provider to the command
    # line client come through this app.
    client_ids: [` + demoCLIClient + `]
    agents: [hr-helpdesk]
    origins: ["http://%[3]s", "http://localhost:%[4]s"]
identity:
  # The built-in identity provider (on by default) serves /idp; its users
  # are managed with "palisade users" and are local:NAME in roles.
  local:
    # Long for the demo, so the token in demo.env lasts a working day.
    # The default is 10m.
    access_token_ttl: 8h
    clients:
      - id: ` + demoCLIClient + `
        redirect_uris: ["http://127.0.0.1/callback"]
  sessions:
    # Signed-in browsers ask agents from the start page through this app.
    app: demo-app
audit:
  # Signed checkpoints of the audit log are also written here, outside the
  # database: palisade audit verify --config palisade.yaml checks the log
  # against them.
  checkpoint_dir: checkpoints
roles:
  # Nothing is allowed that no role grants.
  - name: employee
    members:
      all_users: true
    permissions:
      agents: [hr-helpdesk]
      tools: [leave-balance]
  # The HR-staff-only documents (labelled hr-confidential) are quoted only
  # to members of the hr group.
  - name: hr-staff
    members:
      groups: ["local:hr"]
    permissions:
      knowledge: [hr-confidential]
  # Callers holding only the app's secret (Direct Line) may ask the
  # helpdesk too, without the HR-staff documents.
  - name: helpdesk-app
    members:
      apps: [demo-app]
    permissions:
      agents: [hr-helpdesk]
`

func newDemoCmd(s streams) *cobra.Command {
	var addr, dataDir, logLevel string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Palisade with a protected HR-helpdesk agent, no external service needed",
		Long: `Run Palisade with sample data: the Northwind Robotics HR-helpdesk agent
answering from its knowledge base, and one registered app. The URL and a
bearer credential are printed and written to <data-dir>/demo.env.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(s.err, logLevel)
			if err != nil {
				return err
			}
			// Libraries that log through the default logger (the
			// OpenID provider library) log like Palisade does.
			slog.SetDefault(log)
			dir, err := filepath.Abs(dataDir)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("create data directory: %w", err)
			}
			if err := writeDemoKnowledge(filepath.Join(dir, "knowledge")); err != nil {
				return err
			}
			secret, err := demoSecret(filepath.Join(dir, "demo.secret"))
			if err != nil {
				return err
			}
			if err := demoKeyset(filepath.Join(dir, "secrets-kek.json")); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			bound := ln.Addr().String()
			_, port, _ := net.SplitHostPort(bound)
			leaveLn, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				ln.Close()
				return fmt.Errorf("listen for the demo HR API: %w", err)
			}
			defer leaveLn.Close()
			_, leavePort, _ := net.SplitHostPort(leaveLn.Addr().String())
			cfgPath := filepath.Join(dir, "palisade.yaml")
			text := fmt.Sprintf(demoConfig, bound, dir, bound, port, leavePort)
			if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
				ln.Close()
				return fmt.Errorf("write demo config: %w", err)
			}
			cfg, err := configLoader(func(name string) (string, bool) {
				if name == demoSecretEnv {
					return secret, true
				}
				return os.LookupEnv(name)
			}).Parse(cfgPath, []byte(text))
			if err != nil {
				ln.Close()
				return fmt.Errorf("demo configuration: %w", err)
			}
			users, err := ensureDemoUsers(cmd.Context(), cfg, filepath.Join(dir, "demo-users.json"))
			if err != nil {
				ln.Close()
				return err
			}
			apiKey, err := demoLeaveKey(cmd.Context(), cfg)
			if err != nil {
				ln.Close()
				return err
			}
			stopAPI := serveLeaveAPI(leaveLn, apiKey, "http://"+bound, log)
			defer stopAPI()
			return serve(cmd.Context(), cfg, ln, log, func(bound string) {
				// ready runs just before the gateway serves; the demo
				// signs in through it, so it waits in the background.
				go announceDemo(cmd.Context(), s, log, bound, dir, cfgPath, secret, users)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	cmd.Flags().StringVar(&dataDir, "data-dir", "./palisade-demo", "directory for the demo's database, configuration and knowledge")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// announceDemo signs the demo's employee in through the built-in identity
// provider (the real authorization code flow, over HTTP), then writes
// demo.env and prints how to use the demo.
func announceDemo(ctx context.Context, s streams, log *slog.Logger, bound, dir, cfgPath, secret string, users []demoUser) {
	url := "http://" + bound
	token := ""
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if tok, err := localidp.Login(ctx, nil, url+"/idp", demoCLIClient, "http://127.0.0.1/callback",
		users[0].Username, users[0].Password, ""); err != nil {
		log.Error("could not sign the demo user in", "err", err)
	} else {
		token = tok.AccessToken
	}
	env := fmt.Sprintf("PALISADE_URL=%s\nPALISADE_DEMO_TOKEN=%s\nPALISADE_DEMO_AGENT=hr-helpdesk\n"+
		"PALISADE_DEMO_APP_SECRET=%s\nPALISADE_DEMO_USER=%s\nPALISADE_DEMO_PASSWORD=%s\n"+
		"PALISADE_DEMO_HR_USER=%s\nPALISADE_DEMO_HR_PASSWORD=%s\n",
		url, token, secret, users[0].Username, users[0].Password, users[1].Username, users[1].Password)
	if err := os.WriteFile(filepath.Join(dir, "demo.env"), []byte(env), 0o600); err != nil {
		log.Error("could not write demo.env", "err", err)
	}
	fmt.Fprintf(s.out, `Palisade demo is running.

  PALISADE_URL=%[1]s
  PALISADE_DEMO_TOKEN=%[2]s
  (an access token for %[5]s from the built-in identity provider;
   all values are in %[3]s; load with: set -a; . %[3]s; set +a)

Ask the HR-helpdesk agent:

  curl -s %[1]s/v1/chat/completions \
    -H "Authorization: Bearer $PALISADE_DEMO_TOKEN" -H "Content-Type: application/json" \
    -d '{"model":"hr-helpdesk","messages":[{"role":"user","content":"How many days of annual leave do I get?"}]}'

It answers "How many leave days do I have left?" by calling Northwind's
internal HR API for the signed-in employee (a tool call Palisade makes).

Or sign in in a browser at %[1]s/ as
  %[5]s / %[6]s   (an employee)
  %[7]s / %[8]s   (HR staff: may read the HR-staff-only documents)

Demo configuration: %[4]s
Press Ctrl+C to stop.
`, url, token, filepath.Join(dir, "demo.env"), cfgPath, users[0].Username, users[0].Password, users[1].Username, users[1].Password)
}

// writeDemoKnowledge copies the embedded knowledge base to dir, so that
// the demo configuration points at real files a user can read and edit.
func writeDemoKnowledge(dir string) error {
	src := demo.Knowledge()
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}

// demoSecret returns the demo app's secret, creating it on first run so
// that a restarted demo keeps accepting the same credential.
func demoSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return s, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read demo secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	s := "pls_demo_" + base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write demo secret: %w", err)
	}
	return s, nil
}

// demoKeyset creates the demo's key-encryption keyset on first run.
func demoKeyset(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	ks, err := secrets.GenerateKeyset()
	if err != nil {
		return err
	}
	defer clear(ks)
	if err := writeNewFile(path, ks); err != nil {
		return fmt.Errorf("write the demo key-encryption keyset: %w", err)
	}
	return nil
}

// demoLeaveKey stores a fresh key of the demo HR API in the secret store
// (a new version on each start: a rotation) and returns it for the API.
func demoLeaveKey(ctx context.Context, cfg *config.Config) (string, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer st.Close()
	j := audit.NewJournal(st, audit.JournalOptions{})
	defer j.Close()
	out, err := newOutbound(cfg, nil, nil)
	if err != nil {
		return "", err
	}
	m, err := openSecrets(cfg, st, j, out)
	if err != nil {
		return "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := "nwhr_" + base64.RawURLEncoding.EncodeToString(raw)
	if _, err := m.Put(ctx, "leave-api-key", []byte(key), "demo"); err != nil {
		return "", fmt.Errorf("store the demo HR API key: %w", err)
	}
	return key, nil
}

// serveLeaveAPI runs the demo's internal HR leave API on ln. It trusts
// assertions signed with the keys Palisade publishes at publicURL.
func serveLeaveAPI(ln net.Listener, apiKey, publicURL string, log *slog.Logger) (stop func()) {
	h := leaveapi.New(leaveapi.Options{
		APIKey: apiKey, Issuer: publicURL, KeysURL: publicURL + gateway.AssertionKeysPath,
		Balances: map[string]int{"local:alice": 17, "local:hana": 22}, DefaultDays: 25,
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo HR API stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }
}

// demoUser is a demo account and its password.
type demoUser struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
}

// ensureDemoUsers makes sure the demo's two accounts exist in the built-in
// identity provider: alice, an employee, and hana, HR staff. Their
// passwords are random on first run and kept in path (0600) so that a
// restarted demo signs in the same way.
func ensureDemoUsers(ctx context.Context, cfg *config.Config, path string) ([]demoUser, error) {
	users := []demoUser{
		{Username: "alice", Name: "Alice Moreau", Groups: []string{"staff"}},
		{Username: "hana", Name: "Hana Kobayashi", Groups: []string{"staff", "hr"}},
	}
	var saved []demoUser
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &saved)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	dir, err := localidp.NewDirectory(ctx, st, nil)
	if err != nil {
		return nil, err
	}
	for i := range users {
		u := &users[i]
		for _, sv := range saved {
			if sv.Username == u.Username {
				u.Password = sv.Password
			}
		}
		_, err := dir.Account(ctx, u.Username)
		switch {
		case err == nil && u.Password != "":
			continue
		case err == nil:
			u.Password = demoPassword()
			if err := dir.SetPassword(ctx, u.Username, u.Password); err != nil {
				return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
			}
		default:
			if u.Password == "" {
				u.Password = demoPassword()
			}
			if _, err := dir.AddUser(ctx, localidp.NewUser{Username: u.Username, DisplayName: u.Name, Groups: u.Groups}, u.Password); err != nil {
				return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
			}
		}
	}
	b, _ := json.MarshalIndent(users, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write demo users: %w", err)
	}
	return users, nil
}

// demoPassword is a random password that is easy to type.
func demoPassword() string {
	raw := make([]byte, 12)
	_, _ = rand.Read(raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}
