package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/palisade-gw/palisade/internal/tools/openapi"
)

// expandOpenAPI fills in the method, URL, argument schema and, when the
// file gives none, the description of every tool that names an OpenAPI
// operation, so that the rest of Palisade (validation, egress rules, the
// executor) sees an ordinary tool. It returns the problems found and the
// paths ("tools[i].") of the tools that could not be expanded, whose
// other checks would only repeat the problem.
func expandOpenAPI(c *Config, base string) (problems, map[string]bool) {
	var ps problems
	failed := map[string]bool{}
	for i := range c.Tools {
		t := &c.Tools[i]
		o := t.OpenAPI
		if o == nil {
			continue
		}
		p := fmt.Sprintf("tools[%d]", i)
		before := len(ps)
		if t.Method != "" {
			ps.add(p+".method", "must be left out: the OpenAPI operation sets it")
		}
		if t.URL != "" {
			ps.add(p+".url", "must be left out: the OpenAPI operation sets it (openapi.server changes its base URL)")
		}
		if t.Parameters != nil {
			ps.add(p+".parameters", "must be left out: the OpenAPI operation's parameters and request body set them")
		}
		if strings.TrimSpace(o.Spec) == "" {
			ps.add(p+".openapi.spec", "is required: the OpenAPI document's file")
		}
		if strings.TrimSpace(o.Operation) == "" {
			ps.add(p+".openapi.operation", "is required: the operationId to call")
		}
		if len(ps) > before {
			failed[p+"."] = true
			continue
		}
		if !filepath.IsAbs(o.Spec) {
			o.Spec = filepath.Join(base, o.Spec)
		}
		data, err := readBounded(o.Spec, openapi.MaxDocumentBytes)
		if err != nil {
			ps.add(p+".openapi.spec", "cannot be read: %v", err)
			failed[p+"."] = true
			continue
		}
		op, err := openapi.Load(data, o.Operation, o.Server)
		if err != nil {
			what := p + ".openapi"
			if strings.Contains(err.Error(), "no operation has operationId") {
				what = p + ".openapi.operation"
			} else if o.Server != "" && strings.Contains(err.Error(), "server URL") {
				what = p + ".openapi.server"
			}
			ps.add(what, "%s: %s", filepath.Base(o.Spec), strings.TrimPrefix(err.Error(), "openapi: "))
			failed[p+"."] = true
			continue
		}
		t.Method, t.URL, t.Parameters, t.Query = op.Method, op.URL, op.Parameters, op.Query
		if strings.TrimSpace(t.Description) == "" {
			t.Description = op.Description
		}
	}
	return ps, failed
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errors.New("larger than " + fmt.Sprint(limit) + " bytes")
	}
	return data, nil
}

// underFailed reports whether a problem's path is inside a tool that
// could not be expanded.
func underFailed(path string, failed map[string]bool) bool {
	for prefix := range failed {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
