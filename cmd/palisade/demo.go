package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/demo"
)

// demoSecretEnv is the reference name under which the demo config finds
// its app secret.
const demoSecretEnv = "PALISADE_DEMO_APP_SECRET"

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
apps:
  - name: demo-app
    # The secret is referenced, never written here: the demo keeps it in
    # demo.secret and demo.env.
    secrets: ["${env:` + demoSecretEnv + `}"]
    agents: [hr-helpdesk]
    origins: ["http://%[3]s", "http://localhost:%[4]s"]
roles:
  # Nothing is allowed that no role grants. Callers holding only the demo
  # app's credential may ask the helpdesk; the HR-staff-only documents
  # (labelled hr-confidential) need a role that grants that label.
  - name: helpdesk-user
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
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			bound := ln.Addr().String()
			_, port, _ := net.SplitHostPort(bound)
			cfgPath := filepath.Join(dir, "palisade.yaml")
			text := fmt.Sprintf(demoConfig, bound, dir, bound, port)
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
			return serve(cmd.Context(), cfg, ln, log, func(bound string) {
				url := "http://" + bound
				env := fmt.Sprintf("PALISADE_URL=%s\nPALISADE_DEMO_TOKEN=%s\nPALISADE_DEMO_AGENT=hr-helpdesk\n", url, secret)
				if err := os.WriteFile(filepath.Join(dir, "demo.env"), []byte(env), 0o600); err != nil {
					log.Error("could not write demo.env", "err", err)
				}
				fmt.Fprintf(s.out, `Palisade demo is running.

  PALISADE_URL=%[1]s
  PALISADE_DEMO_TOKEN=%[2]s
  (also in %[3]s; load with: set -a; . %[3]s; set +a)

Ask the HR-helpdesk agent:

  curl -s %[1]s/v1/chat/completions \
    -H "Authorization: Bearer $PALISADE_DEMO_TOKEN" -H "Content-Type: application/json" \
    -d '{"model":"hr-helpdesk","messages":[{"role":"user","content":"How many days of annual leave do I get?"}]}'

Demo configuration: %[4]s
Press Ctrl+C to stop.
`, url, secret, filepath.Join(dir, "demo.env"), cfgPath)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "listen address")
	cmd.Flags().StringVar(&dataDir, "data-dir", "./palisade-demo", "directory for the demo's database, configuration and knowledge")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
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
