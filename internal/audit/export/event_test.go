package export

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// Ensure the exported JSON is the documented schema, field for field, and
// decodes back.
func TestEventJSON(t *testing.T) {
	ev := FromStore(store.AuditEvent{
		Seq: 42, ID: "ev_abc", Time: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("CET", 3600)),
		Type: "chat.completion", RequestID: "req_1", Outcome: "denied", Actor: "alice", App: "web", Agent: "hr",
		Data: []byte(` { "reason" : "pii",  "n": 1 } `),
	})
	got, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":"palisade.audit/v1","id":"ev_abc","seq":42,"time":"2026-01-02T02:04:05.123456000Z",` +
		`"type":"chat.completion","request_id":"req_1","outcome":"denied","actor":"alice","app":"web","agent":"hr",` +
		`"data":{"reason":"pii","n":1}}`
	if string(got) != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
	var back Event
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(ev.Time) || back.ID != ev.ID || back.Seq != 42 || string(back.Data) != `{"reason":"pii","n":1}` {
		t.Errorf("decoded %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"schema":"palisade.audit/v2","time":"2026-01-02T02:04:05Z"}`), &back); err == nil {
		t.Error("decoded another schema version")
	}
}

// Ensure data that is not a JSON object still exports as one.
func TestEventDataIsAlwaysAnObject(t *testing.T) {
	for in, want := range map[string]string{
		"":            `{}`,
		"null":        `{}`,
		`[1,2]`:       `{"value":[1,2]}`,
		`"s"`:         `{"value":"s"}`,
		`{"a":`:       `{"invalid_json":"{\"a\":"}`,
		"{\n\"a\":1}": `{"a":1}`,
	} {
		if got := string(FromStore(store.AuditEvent{Data: []byte(in)}).Data); got != want {
			t.Errorf("data %q exported as %s, want %s", in, got, want)
		}
	}
}
