package guard

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// contextBytes is how much released text is kept as context for the
// detectors (context words such as "SSN:" before a value).
const contextBytes = 256

// linkLookback bounds how far back an unfinished link or tag holds the
// release point.
const linkLookback = 2048

// stream guards one streaming answer. It holds back the last Holdback bytes
// (moved back to a word boundary, and before any unfinished link, tag,
// placeholder or finding) so a value split across chunks is seen whole
// before any of it is released.
type stream struct {
	t       *turn
	pending string // received, not yet released (raw)
	tail    string // the last released raw text, as detector context
	guarded []byte // everything released, as guarded
	seen    int
	blocked *Verdict
	full    bool
}

// NewStream returns the stream guard of the turn's answer.
func (t *turn) NewStream(context.Context) StreamGuard { return &stream{t: t} }

func (s *stream) hold() int {
	if h := s.t.a.pol.Holdback; h > 0 {
		return h
	}
	return DefaultHoldback
}

// Write takes the next piece of the answer.
func (s *stream) Write(piece string) (string, Verdict, error) {
	if s.blocked != nil {
		return "", *s.blocked, nil
	}
	if max := s.t.a.pol.MaxBytes; max > 0 && s.seen+len(piece) > max {
		if s.t.a.pol.Oversize != OversizeTruncate {
			return "", Verdict{}, fmt.Errorf("%w: answer over %d bytes", ErrTooLarge, max)
		}
		piece = piece[:boundary(piece, max-s.seen)]
		s.full = true
	}
	if s.full && piece == "" {
		return "", Verdict{Action: ActionAllow}, nil
	}
	s.seen += len(piece)
	s.pending += piece
	// Release in steps of a quarter hold-back (at least 32 bytes): each
	// release runs the detectors over the context and what is pending, so
	// releasing on every small piece would scan the same bytes again and
	// again, while larger steps would make short answers arrive in one go.
	if len(s.pending) < s.hold()+max(32, s.hold()/4) {
		return "", Verdict{Action: ActionAllow}, nil
	}
	return s.release(false)
}

// Flush releases what is held back.
func (s *stream) Flush() (string, Verdict, error) {
	if s.blocked != nil {
		return "", *s.blocked, nil
	}
	return s.release(true)
}

// Guarded returns the answer released so far, as guarded.
func (s *stream) Guarded() string { return string(s.guarded) }

func (s *stream) release(final bool) (string, Verdict, error) {
	cut := len(s.pending)
	if !final {
		cut = s.safeCut(len(s.pending) - s.hold())
	}
	off := len(s.tail)
	window := s.tail + s.pending
	fs := s.t.answerFindings(window)
	if !final {
		forced := len(s.pending) > 8*s.hold()
		for _, f := range fs {
			if f.End > off+cut && f.Start < off+cut && !forced {
				cut = max(0, f.Start-off)
			}
		}
	}
	if cut <= 0 {
		return "", Verdict{Action: ActionAllow}, nil
	}
	seg := s.pending[:cut]
	filtered, linkFs := s.t.filterLinks(seg)
	if filtered != seg {
		fs = s.t.answerFindings(s.tail + filtered)
	}
	// Only what is at or after the release point counts now; what lies
	// wholly in the context was handled when it was released.
	keep := fs[:0]
	end := off + len(filtered)
	for _, f := range fs {
		if f.End <= off || f.Start >= end {
			continue
		}
		f.Start = max(f.Start, off)
		f.End = min(f.End, end)
		keep = append(keep, f)
	}
	out := s.t.apply(s.tail+filtered, keep, false)
	out.Findings = append(linkFs, out.Findings...)
	if a := maxAction(out.Findings); a.rank() > out.Action.rank() {
		out.Action = a
	}
	s.t.count(string(Outbound), out.Findings)
	if out.Action == ActionBlock {
		out.Text = ""
		s.blocked = &out
		return "", out, nil
	}
	guarded := out.Text[off:]
	s.guarded = append(s.guarded, guarded...)
	ctx := s.tail + filtered
	if len(ctx) > contextBytes {
		ctx = ctx[boundaryFrom(ctx, len(ctx)-contextBytes):]
	}
	s.tail = ctx
	s.pending = s.pending[cut:]
	out.Text = guarded
	return s.t.Deliver(guarded), out, nil
}

// safeCut moves a release point back to just after whitespace and before
// any link, tag or placeholder that has not closed yet. 0 means wait.
func (s *stream) safeCut(cut int) int {
	p := s.pending
	if cut <= 0 {
		return 0
	}
	if i := strings.LastIndexAny(p[:cut], " \t\r\n"); i >= 0 {
		cut = i + 1
	} else if len(p) < 4*s.hold() {
		return 0
	} else {
		cut = boundary(p, cut)
	}
	lo := max(0, cut-linkLookback)
	if j := strings.LastIndexByte(p[lo:cut], '<'); j >= 0 && !strings.Contains(p[lo+j:cut], ">") {
		cut = lo + j
	}
	if j := strings.LastIndexByte(p[lo:cut], '['); j >= 0 && !linkClosed(p[lo+j:cut]) {
		cut = lo + j
	}
	return cut
}

// linkClosed reports whether a text starting at '[' holds a finished
// markdown link (or something that is not one).
func linkClosed(after string) bool {
	if strings.Contains(after, ")") {
		return true
	}
	k := strings.LastIndexByte(after, ']')
	if k < 0 {
		return false
	}
	rest := after[k+1:]
	return rest != "" && rest[0] != '(' && rest[0] != '[' && rest[0] != ':'
}

// boundary returns the largest n <= max at a UTF-8 boundary of s.
func boundary(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// boundaryFrom returns the smallest n >= from at a UTF-8 boundary of s.
func boundaryFrom(s string, n int) int {
	for n < len(s) && !utf8.RuneStart(s[n]) {
		n++
	}
	return n
}
