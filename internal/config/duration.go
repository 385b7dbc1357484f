package config

import (
	"fmt"
	"time"

	"github.com/invopop/jsonschema"
	"gopkg.in/yaml.v3"
)

// durationPattern is the JSON Schema pattern for a Duration: a Go duration
// string without sign ("0", "30s", "1h30m", "1.5s", "250ms").
const durationPattern = `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`

// durationHint ends every message about a malformed duration.
const durationHint = `use a number with a unit, such as "30s", "5m" or "1h30m"`

// UnmarshalYAML reads a Go duration string ("30s", "5m", "1h30m"). A bare
// number such as 30 is refused: the unit is never guessed. Errors are
// reported as yaml type errors so that decoding goes on and every problem in
// the file is reported; they never repeat the value.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return durationError(n, "expected a duration; "+durationHint)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return durationError(n, "not a valid duration; "+durationHint)
	}
	*d = Duration(v)
	return nil
}

// durationError reports a bad duration at the node's position. The
// "line N: column C:" prefix is what Parse expects of the loader's own type
// errors, so the problem is attached to the right field.
func durationError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: %s", n.Line, n.Column, msg)}}
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes the duration as a Go duration string, so JSON carries
// the same form as YAML (and as the schema says).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a valid duration; %s", durationHint)
	}
	*d = Duration(v)
	return nil
}

// String returns the Go duration string, e.g. "1m30s".
func (d Duration) String() string { return time.Duration(d).String() }

// JSONSchema describes a Duration as a string with a pattern.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     durationPattern,
		Description: "A Go duration: a number with a unit (ns, us, ms, s, m, h), e.g. 30s, 5m, 1h30m.",
		Examples:    []any{"30s", "5m", "1h30m"},
	}
}
