// Package openapi turns one operation of an OpenAPI 3 document into a
// tool definition: its method, URL template, and the JSON Schema of the
// arguments a model passes (path and query parameters, and the properties
// of a JSON request body). Palisade then executes calls of the operation
// like any other tool, so a team can point at the API description it
// already publishes instead of restating it.
//
// The document must be self-contained: references to other files or URLs
// are refused, so loading it never reads the network or the disk.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// MaxDocumentBytes bounds the size of an OpenAPI document.
const MaxDocumentBytes = 8 << 20

// Operation is a tool definition made from an OpenAPI operation.
type Operation struct {
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string
	// URL is the server URL followed by the operation's path, whose
	// {name} placeholders are path parameters.
	URL string
	// Description is the operation's summary and description.
	Description string
	// Parameters is the JSON Schema (draft 2020-12) of the arguments
	// object: one property per path or query parameter and per property
	// of the JSON request body.
	Parameters map[string]any
	// Query names the arguments that are query parameters, sent in the
	// query string even when the method sends a JSON body.
	Query []string
}

// ErrInvalid is the class of every error of this package: the document
// cannot be read, or the operation cannot be called as a tool.
var ErrInvalid = errors.New("openapi")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// argName is what a parameter or body property used as an argument may
// be called.
var argName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Load reads an OpenAPI 3 document (JSON or YAML) and returns the
// operation with the given operationId. server, when not empty, replaces
// the document's server URL (an absolute http or https URL); otherwise the
// first server of the operation, its path or the document is used, with
// its variables set to their defaults.
func Load(data []byte, operationID, server string) (*Operation, error) {
	if len(data) > MaxDocumentBytes {
		return nil, invalid("the document is %d bytes, more than the %d-byte limit", len(data), MaxDocumentBytes)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, invalid("the document cannot be read: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, invalid("openapi version %q: only OpenAPI 3 documents are read", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, invalid("the document is not valid: %v", err)
	}
	path, item, method, op := find(doc, operationID)
	if op == nil {
		return nil, invalid("no operation has operationId %q", operationID)
	}
	if !slices.Contains([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, method) {
		return nil, invalid("operation %q is %s; tools are GET, POST, PUT, PATCH or DELETE", operationID, method)
	}
	base, err := serverURL(server, doc, item, op)
	if err != nil {
		return nil, err
	}
	out := &Operation{Method: method, URL: strings.TrimRight(base, "/") + path,
		Description: strings.TrimSpace(strings.Join(nonEmpty(op.Summary, op.Description), "\n\n"))}
	if out.Parameters, out.Query, err = arguments(doc, item, method, op); err != nil {
		return nil, invalid("operation %q: %v", operationID, err)
	}
	return out, nil
}

// find returns the operation with the given id, its path and method.
func find(doc *openapi3.T, id string) (string, *openapi3.PathItem, string, *openapi3.Operation) {
	if doc.Paths == nil || id == "" {
		return "", nil, "", nil
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == id {
				return path, item, strings.ToUpper(method), op
			}
		}
	}
	return "", nil, "", nil
}

// serverURL picks the base URL of the operation.
func serverURL(override string, doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation) (string, error) {
	raw := override
	if raw == "" {
		var servers openapi3.Servers
		switch {
		case op.Servers != nil && len(*op.Servers) > 0:
			servers = *op.Servers
		case len(item.Servers) > 0:
			servers = item.Servers
		default:
			servers = doc.Servers
		}
		if len(servers) == 0 || servers[0] == nil {
			return "", invalid("the document names no server: set openapi.server")
		}
		s := servers[0]
		raw = s.URL
		for name, v := range s.Variables {
			if v == nil || v.Default == "" {
				return "", invalid("server variable %q has no default: set openapi.server", name)
			}
			raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalid("server URL %q is not an absolute http or https URL: set openapi.server", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(u.Path, "{}") {
		return "", invalid("server URL %q must have no query, fragment, credentials or variables", raw)
	}
	return raw, nil
}

// arguments builds the arguments' JSON Schema from the operation's
// parameters and JSON request body.
func arguments(doc *openapi3.T, item *openapi3.PathItem, method string, op *openapi3.Operation) (map[string]any, []string, error) {
	props := map[string]any{}
	var required, query []string
	// Operation parameters override the path item's of the same name and
	// location.
	params := map[string]*openapi3.Parameter{}
	var order []string
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			key := ref.Value.In + ":" + ref.Value.Name
			if _, ok := params[key]; !ok {
				order = append(order, key)
			}
			params[key] = ref.Value
		}
	}
	for _, key := range order {
		p := params[key]
		switch p.In {
		case openapi3.ParameterInHeader, openapi3.ParameterInCookie:
			// A model never sets headers or cookies: Palisade adds the
			// credentials itself.
			if p.Required {
				return nil, nil, fmt.Errorf("requires %s parameter %q, which a tool call cannot set", p.In, p.Name)
			}
			continue
		case openapi3.ParameterInPath, openapi3.ParameterInQuery:
		default:
			return nil, nil, fmt.Errorf("parameter %q is in %q", p.Name, p.In)
		}
		if !argName.MatchString(p.Name) {
			return nil, nil, fmt.Errorf("parameter name %q: tool arguments are 1 to 64 of A-Z, a-z, 0-9 and '_', not starting with a digit", p.Name)
		}
		if _, dup := props[p.Name]; dup {
			return nil, nil, fmt.Errorf("parameter %q is both a path and a query parameter", p.Name)
		}
		if p.Schema == nil || p.Schema.Value == nil {
			return nil, nil, fmt.Errorf("parameter %q has no schema (content-encoded parameters are not supported)", p.Name)
		}
		s, err := schemaJSON(p.Schema)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := s["description"]; !ok && p.Description != "" {
			s["description"] = p.Description
		}
		props[p.Name] = s
		if p.In == openapi3.ParameterInPath || p.Required {
			required = append(required, p.Name)
		}
		if p.In == openapi3.ParameterInQuery {
			query = append(query, p.Name)
		}
	}
	var additional any = false
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if method == http.MethodGet || method == http.MethodDelete {
			return nil, nil, fmt.Errorf("a %s with a request body cannot be called as a tool", method)
		}
		media := jsonMedia(rb.Value.Content)
		if media == nil || media.Schema == nil || media.Schema.Value == nil {
			return nil, nil, fmt.Errorf("the request body is not JSON with a schema (application/json)")
		}
		body, err := schemaJSON(&openapi3.SchemaRef{Value: media.Schema.Value})
		if err != nil {
			return nil, nil, err
		}
		if !isObject(body) {
			return nil, nil, fmt.Errorf("the request body must be a JSON object to be built from tool arguments")
		}
		bodyProps, _ := body["properties"].(map[string]any)
		for name, s := range bodyProps {
			if !argName.MatchString(name) {
				return nil, nil, fmt.Errorf("request body property %q: tool arguments are 1 to 64 of A-Z, a-z, 0-9 and '_', not starting with a digit", name)
			}
			if _, dup := props[name]; dup {
				return nil, nil, fmt.Errorf("%q is both a parameter and a request body property", name)
			}
			props[name] = s
		}
		if rb.Value.Required {
			if req, ok := body["required"].([]any); ok {
				for _, r := range req {
					if s, ok := r.(string); ok {
						required = append(required, s)
					}
				}
			}
		}
		if ap, ok := body["additionalProperties"]; ok && ap != false {
			additional = ap
		}
		if defs, ok := body["$defs"]; ok {
			props["$defs"] = defs // moved to the top level below
		}
	}
	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": additional}
	if defs, ok := props["$defs"]; ok {
		delete(props, "$defs")
		schema["$defs"] = defs
	}
	// Parameters' schemas may refer to components too.
	if defs := componentDefs(doc); defs != nil && usesDefs(schema) {
		schema["$defs"] = defs
	}
	if len(required) > 0 {
		slices.Sort(required)
		schema["required"] = slices.Compact(required)
	}
	return schema, query, nil
}

// jsonMedia returns the JSON media type of a body: application/json, or
// another +json type.
func jsonMedia(c openapi3.Content) *openapi3.MediaType {
	if m := c.Get("application/json"); m != nil {
		return m
	}
	for name, m := range c {
		mt := strings.ToLower(strings.TrimSpace(strings.Split(name, ";")[0]))
		if mt == "application/json" || strings.HasSuffix(mt, "+json") {
			return m
		}
	}
	return nil
}

// isObject reports whether a schema describes a JSON object.
func isObject(s map[string]any) bool {
	switch t := s["type"].(type) {
	case string:
		return t == "object"
	case []any:
		return slices.Contains(t, any("object"))
	}
	_, ok := s["properties"]
	return ok
}

// componentsRef is how an OpenAPI document refers to its schemas; in the
// arguments' schema they live under $defs.
const componentsRef = "#/components/schemas/"

// schemaJSON converts an OpenAPI schema to a JSON Schema (draft 2020-12)
// object: references to the document's schemas point into $defs, and
// OpenAPI 3.0's dialect (nullable, boolean exclusive bounds) is rewritten.
func schemaJSON(ref *openapi3.SchemaRef) (map[string]any, error) {
	var b []byte
	var err error
	if ref.Ref != "" && strings.HasPrefix(ref.Ref, componentsRef) {
		b, err = json.Marshal(map[string]any{"$ref": ref.Ref})
	} else {
		b, err = json.Marshal(ref.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("a schema cannot be encoded: %v", err)
	}
	b = bytes.ReplaceAll(b, []byte(`"`+componentsRef), []byte(`"#/$defs/`))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("a schema cannot be encoded: %v", err)
	}
	if err := dialect(m); err != nil {
		return nil, err
	}
	return m, nil
}

// componentDefs returns the document's component schemas as $defs, or nil.
func componentDefs(doc *openapi3.T) map[string]any {
	if doc.Components == nil || len(doc.Components.Schemas) == 0 {
		return nil
	}
	defs := map[string]any{}
	for name, ref := range doc.Components.Schemas {
		if ref == nil || ref.Value == nil {
			continue
		}
		s, err := schemaJSON(&openapi3.SchemaRef{Value: ref.Value})
		if err != nil {
			continue // left out; a reference to it then fails to compile
		}
		defs[name] = s
	}
	return defs
}

// usesDefs reports whether a schema refers to $defs.
func usesDefs(s map[string]any) bool {
	b, _ := json.Marshal(s)
	return bytes.Contains(b, []byte(`"#/$defs/`))
}

// dialect rewrites OpenAPI 3.0 schema keywords into their JSON Schema
// 2020-12 equivalents, in place: "nullable": true adds "null" to the
// type, boolean exclusiveMinimum/exclusiveMaximum become numbers, and
// annotations only OpenAPI knows are dropped. Only schema positions are
// visited (a property called "example" is a name, not a keyword). A
// reference outside the document is refused.
func dialect(v any) error {
	x, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if r, ok := x["$ref"].(string); ok && !strings.HasPrefix(r, "#") {
		return fmt.Errorf("reference %q is not in the document", r)
	}
	if n, ok := x["nullable"].(bool); ok {
		delete(x, "nullable")
		if t, ok := x["type"].(string); ok && n {
			x["type"] = []any{t, "null"}
		}
	}
	for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		if b, ok := x[pair[0]].(bool); ok {
			delete(x, pair[0])
			if bound, ok := x[pair[1]]; ok && b {
				x[pair[0]] = bound
				delete(x, pair[1])
			}
		}
	}
	for _, k := range []string{"example", "xml", "externalDocs", "discriminator"} {
		delete(x, k)
	}
	for k, child := range x {
		var err error
		switch k {
		case "properties", "patternProperties", "$defs", "dependentSchemas":
			if m, ok := child.(map[string]any); ok {
				for _, s := range m {
					if err = dialect(s); err != nil {
						break
					}
				}
			}
		case "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
			"unevaluatedItems", "unevaluatedProperties":
			err = dialect(child)
		case "allOf", "anyOf", "oneOf", "prefixItems":
			if list, ok := child.([]any); ok {
				for _, s := range list {
					if err = dialect(s); err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// nonEmpty returns the non-empty strings of ss.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}
