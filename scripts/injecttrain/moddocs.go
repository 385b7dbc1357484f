package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// docModules are modules Palisade is built with whose Markdown
// documentation is read as benign technical prose: READMEs, guides and
// change logs about tokens, keys, secrets, permissions, servers and
// clients, the vocabulary that documentation of a security product shares
// with attacks on an agent's instructions. The files come from the module
// cache at the versions go.sum pins, so the same go.sum gives the same
// text; none of it is copied into this repository.
var docModules = []string{
	"github.com/coder/websocket",
	"github.com/coreos/go-oidc/v3",
	"github.com/getkin/kin-openapi",
	"github.com/go-jose/go-jose/v4",
	"github.com/go-webauthn/webauthn",
	"github.com/google/cel-go",
	"github.com/gorilla/securecookie",
	"github.com/invopop/jsonschema",
	"github.com/jackc/pgx/v5",
	"github.com/oschwald/maxminddb-golang/v2",
	"github.com/pquerna/otp",
	"github.com/prometheus/client_golang",
	"github.com/rs/cors",
	"github.com/spf13/cobra",
	"github.com/zitadel/oidc/v3",
	"go.opentelemetry.io/otel",
	"google.golang.org/protobuf",
	"modernc.org/sqlite",
}

// Paragraph bounds: shorter ones are headings and list stubs, longer ones
// are generated tables.
const (
	minDocParagraph = 40
	maxDocParagraph = 4000
	// maxDocParagraphsPerModule keeps one module's long change log from
	// outweighing all the others.
	maxDocParagraphsPerModule = 400
)

// moduleDocs returns the paragraphs of the Markdown files of docModules,
// in a fixed order: by module, then by path, then as they appear. The
// modules are downloaded into the module cache when they are not there.
func moduleDocs(root string) ([]string, error) {
	args := append([]string{"mod", "download", "-json"}, docModules...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download: %w: %s", err, stderr.String())
	}
	dirs := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m struct{ Path, Dir, Error string }
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("go mod download: %w", err)
		}
		if m.Error != "" || m.Dir == "" {
			return nil, fmt.Errorf("module %s: not available: %s", m.Path, m.Error)
		}
		dirs[m.Path] = m.Dir
	}
	var paras []string
	for _, mod := range docModules {
		dir, ok := dirs[mod]
		if !ok {
			return nil, fmt.Errorf("module %s: not in go.mod", mod)
		}
		var files []string
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".")) && path != dir {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".md") && !agentInstructions(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		n := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			for _, p := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
				p = strings.TrimSpace(p)
				if len(p) < minDocParagraph || len(p) > maxDocParagraph || n >= maxDocParagraphsPerModule {
					continue
				}
				paras = append(paras, p)
				n++
			}
		}
	}
	return paras, nil
}

// agentInstructions reports whether a file name is one of the files that
// give instructions to AI coding agents (AGENTS.md and its kin). Such
// text is addressed to a model, which is what the detector looks for in
// third-party content, so it is not read as benign prose.
func agentInstructions(name string) bool {
	switch strings.ToUpper(name) {
	case "AGENTS.MD", "AGENT.MD", "CLAUDE.MD", "GEMINI.MD", "COPILOT-INSTRUCTIONS.MD", ".CURSORRULES":
		return true
	}
	return false
}
