package guard

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// LinkFilter removes links and images to hosts outside an allow-list from
// an answer and reports each one removed (offsets in the original text).
type LinkFilter interface {
	Filter(text string) (string, []detect.Finding)
}

// Classifier is an external prompt-injection classifier.
type Classifier interface {
	// Classify reports whether text from src is an attack, with a score in
	// [0, 1]. An error means it could not decide.
	Classify(ctx context.Context, src Source, text string) (attack bool, score float64, err error)
	// FailOpen reports whether a failure to decide allows the text.
	FailOpen() bool
}

// Parts are the detectors an Engine combines. Every field may be empty.
type Parts struct {
	// Sensitive find personal data, health data, secrets and configured
	// custom types, in both directions.
	Sensitive []detect.Detector
	// Prompt finds injection in what users write; Content finds
	// instructions hidden in third-party content.
	Prompt, Content detect.Detector
	// Classifier, when set, is asked about user messages and third-party
	// content too.
	Classifier Classifier
	// Links builds the link filter for a policy's allowed hosts.
	Links func(hosts []string) LinkFilter
	// Leak builds the system-prompt leak detector for an agent's
	// instructions.
	Leak func(instructions string) detect.Detector
	// Sanitize removes invisible characters (tag characters, zero-width and
	// bidirectional controls) from a text.
	Sanitize func(string) string
}

// Engine holds the detectors; it builds one Agent guard per agent.
type Engine struct {
	p Parts
}

// NewEngine combines parts.
func NewEngine(p Parts) *Engine { return &Engine{p: p} }

// Agent is the guard of one agent under one policy. It implements Guard.
type Agent struct {
	e      *Engine
	pol    *Policy
	links  LinkFilter
	leak   detect.Detector
	escape map[string]bool
}

// ForAgent returns the guard of an agent with the given instructions under
// pol (nil: DefaultPolicy).
func (e *Engine) ForAgent(pol *Policy, instructions string) *Agent {
	if pol == nil {
		pol = DefaultPolicy()
	}
	a := &Agent{e: e, pol: pol, escape: map[string]bool{}}
	if e.p.Links != nil {
		a.links = e.p.Links(pol.LinkHosts)
	}
	if e.p.Leak != nil && strings.TrimSpace(instructions) != "" {
		a.leak = e.p.Leak(instructions)
	}
	for _, c := range pol.EscapeHTMLChannels {
		a.escape[c] = true
	}
	return a
}

// Policy returns the agent's policy.
func (a *Agent) Policy() *Policy { return a.pol }

// Begin starts a turn.
func (a *Agent) Begin(_ context.Context, channel string) Turn {
	return &turn{a: a, channel: channel, byValue: map[string]string{}, restore: map[string]string{}, next: map[string]int{}}
}

// ErrTooLarge is the cause of a refusal of a text longer than the policy
// allows.
var ErrTooLarge = errors.New("guard: text too large to inspect")

// BlockedError is the cause of a refusal by content policy: which way the
// content flowed and which types and categories were blocked (never the
// values).
type BlockedError struct {
	Direction  Direction
	Source     Source
	Types      []string
	Categories []string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("guard: %s content blocked (%s)", e.Direction, strings.Join(e.Types, ", "))
}

// Blocked returns the BlockedError describing a block verdict.
func Blocked(dir Direction, src Source, v Verdict) *BlockedError {
	e := &BlockedError{Direction: dir, Source: src}
	for _, f := range v.Findings {
		if f.Action != ActionBlock {
			continue
		}
		if !slices.Contains(e.Types, f.Type) {
			e.Types = append(e.Types, f.Type)
		}
		if c := string(f.Category); !slices.Contains(e.Categories, c) {
			e.Categories = append(e.Categories, c)
		}
	}
	slices.Sort(e.Types)
	slices.Sort(e.Categories)
	return e
}

// turn is the state of one request: placeholders by value, values to give
// back by placeholder, the next number per type, and what was found.
type turn struct {
	a       *Agent
	channel string

	mu      sync.Mutex
	byValue map[string]string // type + "\x00" + value -> placeholder
	restore map[string]string // placeholder -> value (the client's own)
	next    map[string]int    // placeholder prefix -> last number used
	sum     Summary
}

// Inspect inspects an inbound text.
func (t *turn) Inspect(ctx context.Context, src Source, text string) (Verdict, error) {
	text, err := t.bound(text)
	if err != nil {
		return Verdict{}, err
	}
	t.notePlaceholders(text)
	p := &t.a.e.p
	var fs []detect.Finding
	for _, d := range p.Sensitive {
		fs = d.Detect(fs, text)
	}
	switch src {
	case FromUser, FromHistory:
		if p.Prompt != nil {
			fs = p.Prompt.Detect(fs, text)
		}
	case FromContent:
		if p.Content != nil {
			fs = p.Content.Detect(fs, text)
		}
	}
	if p.Classifier != nil && (src == FromUser || src == FromContent) && text != "" {
		attack, score, err := p.Classifier.Classify(ctx, src, text)
		switch {
		case err != nil && !p.Classifier.FailOpen():
			return Verdict{}, fmt.Errorf("guard: classifier: %w", err)
		case err == nil && attack:
			fs = append(fs, detect.Finding{Type: "classifier_attack", Category: detect.Injection, Start: 0, End: len(text), Confidence: score})
		}
	}
	rules := t.a.pol.In
	applied := make([]Applied, 0, len(fs))
	for _, f := range fs {
		act := rules.ActionFor(f)
		if f.Category == detect.Injection && f.Confidence >= rules.MinConfidence {
			switch {
			case src == FromSystem:
				act = ActionAllow
			case src == FromContent:
				act = contentAction(t.a.pol.Content)
			}
		}
		if act == ActionAllow {
			continue
		}
		applied = append(applied, Applied{Finding: f, Action: act})
	}
	v := t.apply(text, applied, src != FromContent && t.a.pol.Restore)
	if src == FromContent && t.a.pol.Content == ContentDrop && hasInjection(v.Findings) {
		v.Action, v.Text = ActionBlock, ""
	}
	t.count(directionOf(src), v.Findings)
	return v, nil
}

func directionOf(src Source) string {
	if src == FromContent {
		return "content"
	}
	return string(Inbound)
}

func hasInjection(fs []Applied) bool {
	for _, f := range fs {
		if f.Category == detect.Injection {
			return true
		}
	}
	return false
}

// contentAction maps the content action onto the per-finding action:
// neutralise is a redaction of the instruction; drop is decided on the
// whole text after.
func contentAction(c ContentAction) Action {
	switch c {
	case ContentAudit:
		return ActionAudit
	default:
		return ActionRedact
	}
}

// Answer inspects a whole answer.
func (t *turn) Answer(_ context.Context, text string) (Verdict, error) {
	text, err := t.bound(text)
	if err != nil {
		return Verdict{}, err
	}
	var pre []Applied
	text, pre = t.filterLinks(text)
	v := t.apply(text, t.answerFindings(text), false)
	v.Findings = append(pre, v.Findings...)
	if a := maxAction(pre); a.rank() > v.Action.rank() {
		v.Action = a
	}
	if v.Action == ActionBlock {
		v.Text = ""
	}
	t.count(string(Outbound), v.Findings)
	return v, nil
}

// filterLinks removes links to hosts outside the allow-list, or only
// reports them, as the outbound rules say.
func (t *turn) filterLinks(text string) (string, []Applied) {
	if t.a.links == nil {
		return text, nil
	}
	filtered, fs := t.a.links.Filter(text)
	if len(fs) == 0 {
		return text, nil
	}
	applied := make([]Applied, 0, len(fs))
	rewrite := false
	for _, f := range fs {
		act := t.a.pol.Out.ActionFor(f)
		if act == ActionAllow {
			continue
		}
		if act == ActionMask || act == ActionRedact {
			act, rewrite = ActionRedact, true
		}
		applied = append(applied, Applied{Finding: f, Action: act})
	}
	if rewrite {
		return filtered, applied
	}
	return text, applied
}

// answerFindings runs the outbound detectors on text and returns the
// findings the outbound rules act on.
func (t *turn) answerFindings(text string) []Applied {
	var fs []detect.Finding
	for _, d := range t.a.e.p.Sensitive {
		fs = d.Detect(fs, text)
	}
	if t.a.leak != nil {
		fs = t.a.leak.Detect(fs, text)
	}
	applied := make([]Applied, 0, len(fs))
	for _, f := range fs {
		if act := t.a.pol.Out.ActionFor(f); act != ActionAllow {
			applied = append(applied, Applied{Finding: f, Action: act})
		}
	}
	return applied
}

// bound applies the policy's size limit.
func (t *turn) bound(text string) (string, error) {
	max := t.a.pol.MaxBytes
	if max <= 0 || len(text) <= max {
		return text, nil
	}
	if t.a.pol.Oversize == OversizeTruncate {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		return text[:cut], nil
	}
	return "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(text), max)
}

func maxAction(fs []Applied) Action {
	m := ActionAllow
	for _, f := range fs {
		if f.Action.rank() > m.rank() {
			m = f.Action
		}
	}
	return m
}

// apply rewrites text for the findings' actions. Overlapping findings are
// merged into one span that takes the most restrictive action (and that
// finding's type). own says the values are the client's own, to be given
// back in the answer.
func (t *turn) apply(text string, fs []Applied, own bool) Verdict {
	v := Verdict{Action: maxAction(fs), Text: text, Findings: fs}
	if v.Action == ActionBlock {
		v.Text = ""
		return v
	}
	if v.Action == ActionAllow || v.Action == ActionAudit {
		return v
	}
	spans := make([]Applied, 0, len(fs))
	for _, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			continue
		}
		if f.Action == ActionMask || f.Action == ActionRedact {
			spans = append(spans, f)
		}
	}
	slices.SortFunc(spans, func(a, b Applied) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s.Start < merged[n-1].End {
			last := &merged[n-1]
			if s.End > last.End {
				last.End = s.End
			}
			if s.Action.rank() > last.Action.rank() {
				last.Action, last.Type, last.Category = s.Action, s.Type, s.Category
			}
			continue
		}
		merged = append(merged, s)
	}
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, s := range merged {
		b.WriteString(text[pos:s.Start])
		value := text[s.Start:s.End]
		switch {
		case s.Action == ActionMask:
			b.WriteString(mask(value))
		case s.Category == detect.Injection:
			b.WriteString(t.injectionMarker(s.Type, value))
		default:
			b.WriteString(t.placeholder(s.Type, value, own))
		}
		pos = s.End
	}
	b.WriteString(text[pos:])
	v.Text = b.String()
	return v
}

// injectionMarker is what replaces a redacted instruction: invisible
// characters are simply removed; a visible instruction becomes a marker the
// model sees as inert.
func (t *turn) injectionMarker(typ, value string) string {
	if typ == "hidden_text" {
		if s := t.a.e.p.Sanitize; s != nil {
			return s(value)
		}
		return ""
	}
	return "[instruction removed]"
}

// placeholder returns the typed placeholder of value, the same one for the
// same value within the turn.
func (t *turn) placeholder(typ, value string, own bool) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := typ + "\x00" + value
	if p, ok := t.byValue[key]; ok {
		if own {
			t.restore[p] = value
		}
		return p
	}
	prefix := strings.ToUpper(typ)
	t.next[prefix]++
	p := "<" + prefix + "_" + strconv.Itoa(t.next[prefix]) + ">"
	t.byValue[key] = p
	if own {
		t.restore[p] = value
	}
	return p
}

// notePlaceholders makes numbering continue after placeholders already in
// text (a stored, already guarded history), so a new value never takes the
// name of an earlier one.
func (t *turn) notePlaceholders(text string) {
	if strings.IndexByte(text, '<') < 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	forEachPlaceholder(text, func(_, _ int, prefix string, n int) {
		if n > t.next[prefix] {
			t.next[prefix] = n
		}
	})
}

// forEachPlaceholder calls fn for every <PREFIX_N> in text.
func forEachPlaceholder(text string, fn func(start, end int, prefix string, n int)) {
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '<')
		if j < 0 {
			return
		}
		start := i + j
		k := start + 1
		for k < len(text) && k-start < 48 && (text[k] >= 'A' && text[k] <= 'Z' || text[k] == '_' || text[k] >= '0' && text[k] <= '9') {
			k++
		}
		if k < len(text) && text[k] == '>' {
			body := text[start+1 : k]
			if u := strings.LastIndexByte(body, '_'); u > 0 && u < len(body)-1 {
				if n, err := strconv.Atoi(body[u+1:]); err == nil && n > 0 && body[u+1] != '0' {
					fn(start, k+1, body[:u], n)
				}
			}
			i = k + 1
			continue
		}
		i = start + 1
	}
}

// Deliver restores the client's own values and escapes markup as the
// policy says.
func (t *turn) Deliver(guarded string) string {
	out := guarded
	if t.a.pol.Restore {
		out = t.restoreValues(out)
	}
	return t.Escape(out)
}

// Escape escapes HTML when the policy says so for the turn's channel.
func (t *turn) Escape(s string) string {
	if t.a.escape[t.channel] {
		return html.EscapeString(s)
	}
	return s
}

func (t *turn) restoreValues(s string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.restore) == 0 || strings.IndexByte(s, '<') < 0 {
		return s
	}
	var b strings.Builder
	pos := 0
	forEachPlaceholder(s, func(start, end int, _ string, _ int) {
		if v, ok := t.restore[s[start:end]]; ok {
			b.WriteString(s[pos:start])
			b.WriteString(v)
			pos = end
		}
	})
	if pos == 0 {
		return s
	}
	b.WriteString(s[pos:])
	return b.String()
}

// mask hides all letters and digits of value but the last four (all of
// them when there are fewer than eight), keeping separators.
func mask(value string) string {
	alnum := 0
	for _, r := range value {
		if isAlnum(r) {
			alnum++
		}
	}
	keep := 0
	if alnum >= 8 {
		keep = 4
	}
	var b strings.Builder
	seen := 0
	for _, r := range value {
		if isAlnum(r) {
			seen++
			if seen > alnum-keep {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isAlnum(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Screen inspects a document the agent will draw on (a knowledge
// section) for instructions hidden in it, under the policy's content
// action: the verdict is redact (instructions neutralised), block (drop the
// document), audit, or allow. Sensitive data in documents is left to the
// outbound rules, which apply when an answer quotes it.
func (a *Agent) Screen(ctx context.Context, text string) (Verdict, error) {
	if a.e.p.Content == nil {
		return Verdict{Action: ActionAllow, Text: text}, nil
	}
	t := a.Begin(ctx, "").(*turn)
	var fs []detect.Finding
	if a.e.p.Content != nil {
		fs = a.e.p.Content.Detect(fs, text)
	}
	applied := make([]Applied, 0, len(fs))
	for _, f := range fs {
		if f.Category != detect.Injection || f.Confidence < a.pol.In.MinConfidence {
			continue
		}
		applied = append(applied, Applied{Finding: f, Action: contentAction(a.pol.Content)})
	}
	v := t.apply(text, applied, false)
	if a.pol.Content == ContentDrop && len(applied) > 0 {
		v.Action, v.Text = ActionBlock, ""
	}
	return v, nil
}

// Detect runs the detectors that apply to text from src and returns every
// finding, before any policy: sensitive data always, injection for users'
// and third-party text. It is what `palisade guard scan` prints.
func (e *Engine) Detect(src Source, text string) []detect.Finding {
	// Room for the findings of ordinary text, so that the detectors append
	// without growing the slice step by step: a longer text has more
	// (prose holds a name or an address every few hundred bytes).
	fs := make([]detect.Finding, 0, 32+len(text)/256)
	for _, d := range e.p.Sensitive {
		fs = d.Detect(fs, text)
	}
	switch src {
	case FromUser, FromHistory:
		if e.p.Prompt != nil {
			fs = e.p.Prompt.Detect(fs, text)
		}
	case FromContent:
		if e.p.Content != nil {
			fs = e.p.Content.Detect(fs, text)
		}
	}
	byPos := func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	}
	// Often one detector found everything, in order already: this loop
	// is slices.IsSortedFunc(fs, byPos) without a call per pair.
	for i := 1; i < len(fs); i++ {
		if a, b := fs[i-1], fs[i]; a.Start > b.Start || a.Start == b.Start && a.End > b.End {
			slices.SortStableFunc(fs, byPos)
			break
		}
	}
	return fs
}

// Detector returns the engine's detectors for src as one detect.Detector,
// for evaluation against labelled data.
func (e *Engine) Detector(src Source) detect.Detector {
	return detect.Func{ID: "guard/" + string(src), Fn: func(dst []detect.Finding, text string) []detect.Finding {
		return append(dst, e.Detect(src, text)...)
	}}
}
