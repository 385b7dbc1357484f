package config

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the configuration's JSON Schema.
const SchemaID = "https://github.com/palisade-gw/palisade/schemas/config.json"

// Schema returns the JSON Schema (draft 2020-12) of the configuration file,
// generated from the types: property names are the yaml keys, required
// properties come from the jsonschema tags, and no object accepts a key it
// does not list (additionalProperties: false), as the loader does. Editors
// use it for completion and checking; Validate still has the last word
// (references, cross-references, URL rules).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
	}
	s := r.Reflect(&Config{})
	s.ID = SchemaID
	s.Title = "Palisade configuration"
	s.Description = "The YAML configuration file of the Palisade gateway. " +
		"String values may contain references such as ${env:NAME}; credentials must be references."
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("marshal configuration schema: %w", err)
	}
	return buf.Bytes(), nil
}
