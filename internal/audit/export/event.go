package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// Schema names the version of the exported event shape. It is sent in
// every event, so receivers can tell versions apart.
const Schema = "palisade.audit/v1"

// timeFormat is RFC 3339 in UTC with nanoseconds, always nine digits, so
// exported times sort as strings.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Event is one audit event as exported. Its JSON form is the documented
// schema (see the package documentation); the receivers' contract is that
// JSON, not this struct.
type Event struct {
	// ID is the audit event's stable id: receivers de-duplicate on it.
	ID string
	// Seq is the event's position in the audit log.
	Seq       int64
	Time      time.Time
	Type      string
	RequestID string
	Outcome   string
	Actor     string
	App       string
	Agent     string
	// Data is the event's type-specific fields: a JSON object.
	Data json.RawMessage
}

// wireEvent is Event's JSON form, fields in the documented order.
type wireEvent struct {
	Schema    string          `json:"schema"`
	ID        string          `json:"id"`
	Seq       int64           `json:"seq"`
	Time      string          `json:"time"`
	Type      string          `json:"type"`
	RequestID string          `json:"request_id"`
	Outcome   string          `json:"outcome"`
	Actor     string          `json:"actor"`
	App       string          `json:"app"`
	Agent     string          `json:"agent"`
	Data      json.RawMessage `json:"data"`
}

// FromStore returns the exported form of a stored audit event. Its Data
// is always a compact JSON object: an empty or null body becomes {}, and a
// body that is not an object is wrapped ({"value": …}, or
// {"invalid_json": "…"} when it is not JSON at all), so one odd event can
// never stop the export.
func FromStore(ev store.AuditEvent) Event {
	return Event{
		ID: ev.ID, Seq: ev.Seq, Time: ev.Time.UTC(), Type: ev.Type, RequestID: ev.RequestID,
		Outcome: ev.Outcome, Actor: ev.Actor, App: ev.App, Agent: ev.Agent, Data: objectJSON(ev.Data),
	}
}

// objectJSON returns b as a compact JSON object.
func objectJSON(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return json.RawMessage(`{}`)
	case !json.Valid(b):
		out, _ := json.Marshal(map[string]string{"invalid_json": string(b)})
		return out
	case b[0] != '{':
		out, _ := json.Marshal(map[string]json.RawMessage{"value": b})
		return out
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return json.RawMessage(`{}`) // unreachable: b is valid
	}
	return buf.Bytes()
}

// MarshalJSON encodes the event in the documented schema.
func (e Event) MarshalJSON() ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	return json.Marshal(wireEvent{
		Schema: Schema, ID: e.ID, Seq: e.Seq, Time: e.Time.UTC().Format(timeFormat), Type: e.Type,
		RequestID: e.RequestID, Outcome: e.Outcome, Actor: e.Actor, App: e.App, Agent: e.Agent, Data: data,
	})
}

// UnmarshalJSON decodes an event of the documented schema, for receivers
// written in Go. It refuses another schema version.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Schema != Schema {
		return fmt.Errorf("export: event schema %q, want %q", w.Schema, Schema)
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return fmt.Errorf("export: event time: %w", err)
	}
	*e = Event{ID: w.ID, Seq: w.Seq, Time: t.UTC(), Type: w.Type, RequestID: w.RequestID, Outcome: w.Outcome,
		Actor: w.Actor, App: w.App, Agent: w.Agent, Data: w.Data}
	return nil
}
