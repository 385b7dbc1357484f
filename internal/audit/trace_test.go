package audit

import (
	"testing"
)

// Ensure an event's trace id is stored in its data as trace_id (the
// store's columns are unchanged), without touching the caller's map, and
// that an event without one stores its data as before.
func TestStoredTraceID(t *testing.T) {
	data := map[string]any{"code": "ok"}
	ev := Event{Type: TypeChatCompletion, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Data: data}
	s, err := ev.stored()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Data); got != `{"code":"ok","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` {
		t.Errorf("data %s", got)
	}
	if _, ok := data["trace_id"]; ok {
		t.Error("the caller's map was changed")
	}
	ev.TraceID = ""
	if s, _ = ev.stored(); string(s.Data) != `{"code":"ok"}` {
		t.Errorf("data without a trace id: %s", s.Data)
	}
	if s, _ = (Event{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}).stored(); string(s.Data) != `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` {
		t.Errorf("data of an event without data: %s", s.Data)
	}
}
