package upstream

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// readAllEvents reads every event from r.
func readAllEvents(r io.Reader, maxLine int) ([]event, error) {
	er := newEventReader(r, maxLine)
	var out []event
	for {
		ev, err := er.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

// Ensure the event stream parser follows the SSE rules Palisade relies on.
func TestEventReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []event
	}{
		{"single", "data: hello\n\n", []event{{Data: "hello"}}},
		{"no space after colon", "data:hello\n\n", []event{{Data: "hello"}}},
		{"only one space dropped", "data:  two\n\n", []event{{Data: " two"}}},
		{"multi-line data", "data: a\ndata: b\n\n", []event{{Data: "a\nb"}}},
		{"empty data", "data:\n\n", []event{{Data: ""}}},
		{"comments ignored", ": keep-alive\n\n:x\ndata: a\n\n", []event{{Data: "a"}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []event{{Data: "a"}, {Data: "b"}}},
		{"CR", "data: a\r\rdata: b\r\r", []event{{Data: "a"}, {Data: "b"}}},
		{"event type", "event: error\ndata: x\n\n", []event{{Type: "error", Data: "x"}}},
		{"type reset between events", "event: ping\ndata: 1\n\ndata: 2\n\n", []event{{Type: "ping", Data: "1"}, {Data: "2"}}},
		{"id and retry ignored", "id: 7\nretry: 10\ndata: a\n\n", []event{{Data: "a"}}},
		{"field without colon", "data\n\n", []event{{Data: ""}}},
		{"blank lines without data", "\n\n\nevent: x\n\n", nil},
		{"BOM", "\xef\xbb\xbfdata: a\n\n", []event{{Data: "a"}}},
		{"pending event at EOF", "data: [DONE]\n", []event{{Data: "[DONE]"}}},
		{"unknown field", "foo: bar\ndata: a\n\n", []event{{Data: "a"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllEvents(strings.NewReader(tt.in), 1024)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			// Ensure the result does not depend on how reads split the input.
			got1, err := readAllEvents(iotest.OneByteReader(strings.NewReader(tt.in)), 1024)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got1); diff != "" {
				t.Errorf("one-byte reads (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure a line over the limit is refused instead of buffered.
func TestEventReaderLineLimit(t *testing.T) {
	_, err := readAllEvents(strings.NewReader("data: "+strings.Repeat("x", 100)+"\n\n"), 64)
	if !errors.Is(err, bufio.ErrTooLong) {
		t.Fatalf("err = %v, want bufio.ErrTooLong", err)
	}
}

// Ensure read errors are returned, not taken for the end of the stream.
func TestEventReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\n"), iotest.ErrReader(boom))
	got, err := readAllEvents(r, 1024)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d events before the error, want 1", len(got))
	}
}

// FuzzEventReader checks that the parser never panics, never returns a
// line over the limit, and gives the same events however reads are split.
func FuzzEventReader(f *testing.F) {
	f.Add("data: a\n\n")
	f.Add("data: a\r\ndata: b\r\n\r\n: c\r\revent: e\rdata\r\r")
	f.Add("\xef\xbb\xbfdata:x\n")
	f.Fuzz(func(t *testing.T, in string) {
		whole, err1 := readAllEvents(strings.NewReader(in), 256)
		split, err2 := readAllEvents(iotest.HalfReader(strings.NewReader(in)), 256)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v vs %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if diff := cmp.Diff(whole, split); diff != "" {
			t.Fatalf("split reads differ (-whole +split):\n%s", diff)
		}
	})
}
