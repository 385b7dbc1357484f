package upstream

import (
	"bufio"
	"bytes"
	"io"
)

// event is one server-sent event. Only the fields Palisade uses are kept.
type event struct {
	// Type is the "event" field; "" means "message".
	Type string
	// Data is the event's data lines joined with "\n".
	Data string
}

// eventReader parses a text/event-stream as the WHATWG HTML standard
// describes: lines end in CRLF, LF or CR; a blank line dispatches an event;
// lines starting with ":" are comments; "data" lines accumulate; one space
// after the colon is dropped. A pending event at the end of the stream is
// dispatched rather than discarded, since some servers omit the last blank
// line.
type eventReader struct {
	sc      *bufio.Scanner
	started bool
	typ     string
	data    []byte
	hasData bool
}

// newEventReader reads events from r, refusing lines over maxLine bytes
// with bufio.ErrTooLong.
func newEventReader(r io.Reader, maxLine int) *eventReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(4096, maxLine)), maxLine)
	sc.Split(scanLines)
	return &eventReader{sc: sc}
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Next returns the next event, io.EOF at the end of the stream, or the
// read error.
func (r *eventReader) Next() (event, error) {
	for r.sc.Scan() {
		line := r.sc.Bytes()
		if !r.started {
			r.started = true
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if len(line) == 0 {
			if ev, ok := r.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, found := bytes.Cut(line, []byte(":"))
		if found {
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch string(field) {
		case "data":
			if r.hasData {
				r.data = append(r.data, '\n')
			}
			r.data = append(r.data, value...)
			r.hasData = true
		case "event":
			r.typ = string(value)
		}
		// "id", "retry" and unknown fields are ignored.
	}
	if err := r.sc.Err(); err != nil {
		return event{}, err
	}
	if ev, ok := r.dispatch(); ok {
		return ev, nil
	}
	return event{}, io.EOF
}

// dispatch returns the pending event, if any, and resets the buffers.
func (r *eventReader) dispatch() (event, bool) {
	ev, ok := event{Type: r.typ, Data: string(r.data)}, r.hasData
	r.typ, r.data, r.hasData = "", r.data[:0], false
	return ev, ok
}

// scanLines is a bufio.SplitFunc for lines ending in CRLF, LF or CR.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		// A CR: it may be the first half of a CRLF split across reads.
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
