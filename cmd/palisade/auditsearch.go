package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/store"
)

// tailPollEvery is how often `audit tail -f` looks for new events.
const tailPollEvery = time.Second

// auditFilter holds the filter flags of audit search and tail.
type auditFilter struct {
	config                                  string
	since, until                            string
	user, app, agent, typ, outcome, outForm string
}

// register adds the shared flags; withTime adds --since and --until.
func (f *auditFilter) register(cmd *cobra.Command, withTime bool) {
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "configuration file (YAML)")
	_ = cmd.MarkFlagRequired("config")
	if withTime {
		fl.StringVar(&f.since, "since", "", "only events at or after this time: RFC 3339 (2025-06-01T12:00:00Z) or a duration back from now (90m, 24h, 7d)")
		fl.StringVar(&f.until, "until", "", "only events before this time: RFC 3339 or a duration back from now")
	}
	fl.StringVar(&f.user, "user", "", "only events of this actor, exactly as recorded (corp:alice)")
	fl.StringVar(&f.app, "app", "", "only events through this app")
	fl.StringVar(&f.agent, "agent", "", "only events about this agent")
	fl.StringVar(&f.typ, "type", "", "only events of this type (request.refused, chat.completion, auth.signin…)")
	fl.StringVar(&f.outcome, "outcome", "", "only events with this outcome (success, denied, error, started)")
	fl.StringVarP(&f.outForm, "output", "o", "table", "output format: table, or json (one JSON object per line)")
	// Every flag error is misuse (exit 2), including values that do not
	// parse, such as --limit ten.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: 2, err: err} })
}

// query checks the flags and returns the store query they describe.
func (f *auditFilter) query(now time.Time) (store.AuditQuery, error) {
	q := store.AuditQuery{Actor: f.user, App: f.app, Agent: f.agent, Type: f.typ, Outcome: f.outcome}
	if f.outForm != "table" && f.outForm != "json" {
		return q, &exitError{code: 2, err: fmt.Errorf("--output %q: use table or json", f.outForm)}
	}
	var err error
	if q.Since, err = parseWhen("--since", f.since, now); err != nil {
		return q, err
	}
	if q.Until, err = parseWhen("--until", f.until, now); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, &exitError{code: 2, err: fmt.Errorf("--until (%s) must be after --since (%s)", q.Until.UTC().Format(time.RFC3339), q.Since.UTC().Format(time.RFC3339))}
	}
	return q, nil
}

// parseWhen reads a time flag: RFC 3339, or a duration back from now
// (Go's units, and d for days). "" is the zero time.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && err != nil {
		if n, aerr := strconv.Atoi(days); aerr == nil && n >= 0 && n <= 100*365 {
			d, err = time.Duration(n)*24*time.Hour, nil
		}
	}
	if err != nil || d < 0 {
		return time.Time{}, &exitError{code: 2, err: fmt.Errorf("%s %q: use an RFC 3339 time (2025-06-01T12:00:00Z) or a duration back from now (90m, 24h, 7d)", flag, s)}
	}
	return now.Add(-d), nil
}

func newAuditSearchCmd(s streams) *cobra.Command {
	var f auditFilter
	var limit int
	cmd := &cobra.Command{
		Use:   "search -c FILE [--since T] [--until T] [--user U] [--app A] [--agent G] [--type T] [--outcome O] [--limit N] [-o table|json]",
		Short: "Find audit events by time, user, app, agent, type and outcome, newest first",
		Long: `Prints the audit events that match every filter given, newest first, at most
--limit of them. Times are RFC 3339 (2025-06-01T12:00:00Z) or a duration back
from now (90m, 24h, 7d); --since is inclusive, --until exclusive. The other
filters match a field exactly: --user is the actor as recorded (a signed-in
user is issuer:subject, such as corp:alice).

The table shows time (UTC), seq, type, outcome, actor, app, agent, request
id and a short summary of the event's data (such as the refusal code);
control characters in values are shown as U+FFFD. -o json prints one JSON
object per event and line, with every field and the data as recorded.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.query(time.Now())
			if err != nil {
				return err
			}
			if limit < 1 || limit > store.MaxAuditQueryLimit {
				return &exitError{code: 2, err: fmt.Errorf("--limit %d: use 1 to %d", limit, store.MaxAuditQueryLimit)}
			}
			q.Desc, q.Limit = true, limit
			st, err := openAuditStore(cmd.Context(), f.config)
			if err != nil {
				return err
			}
			defer st.Close()
			evs, err := st.SearchAuditEvents(cmd.Context(), q)
			if err != nil {
				return fmt.Errorf("search the audit log: %w", err)
			}
			p := newEventPrinter(s.out, f.outForm)
			return p.print(evs)
		},
	}
	f.register(cmd, true)
	cmd.Flags().IntVar(&limit, "limit", 50, fmt.Sprintf("most events to print (1 to %d)", store.MaxAuditQueryLimit))
	return cmd
}

func newAuditTailCmd(s streams) *cobra.Command {
	var f auditFilter
	var n int
	var follow bool
	cmd := &cobra.Command{
		Use:   "tail -c FILE [-n N] [-f] [--user U] [--app A] [--agent G] [--type T] [--outcome O] [-o table|json]",
		Short: "Print the newest audit events, oldest first, and with -f follow new ones",
		Long: `Prints the last -n events that match the filters, oldest first. With -f it
then looks for new events every second and prints them as they are
appended, until interrupted (Ctrl-C). Filters and output are as for
palisade audit search.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.query(time.Now())
			if err != nil {
				return err
			}
			if n < 0 || n > store.MaxAuditQueryLimit {
				return &exitError{code: 2, err: fmt.Errorf("-n %d: use 0 to %d", n, store.MaxAuditQueryLimit)}
			}
			ctx := cmd.Context()
			st, err := openAuditStore(ctx, f.config)
			if err != nil {
				return err
			}
			defer st.Close()
			err = tailAudit(ctx, st, q, n, follow, newEventPrinter(s.out, f.outForm))
			if err != nil && ctx.Err() != nil {
				return nil // interrupted: a normal end of -f
			}
			return err
		},
	}
	f.register(cmd, false)
	cmd.Flags().IntVarP(&n, "lines", "n", 20, fmt.Sprintf("how many of the newest events to print first (0 to %d)", store.MaxAuditQueryLimit))
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events as they are appended")
	return cmd
}

// openAuditStore loads the configuration and opens its store.
func openAuditStore(ctx context.Context, path string) (store.Store, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, &exitError{code: 1, err: err}
	}
	return openStore(ctx, cfg)
}

// tailAudit prints the last n events matching q, oldest first, and with
// follow keeps printing newer ones every tailPollEvery until ctx ends.
// Seqs are assigned in commit order, so the newest Seq seen is a cursor
// after which nothing older can appear.
func tailAudit(ctx context.Context, st store.AuditEvents, q store.AuditQuery, n int, follow bool, p *eventPrinter) error {
	head, err := lastSeq(ctx, st)
	if err != nil {
		return err
	}
	if n > 0 {
		last := q
		last.BeforeSeq, last.Desc, last.Limit = head+1, true, n
		evs, err := st.SearchAuditEvents(ctx, last)
		if err != nil {
			return fmt.Errorf("read the audit log: %w", err)
		}
		slices.Reverse(evs)
		if err := p.print(evs); err != nil {
			return err
		}
	}
	if !follow {
		return nil
	}
	tick := time.NewTicker(tailPollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// Read up to the newest event now, so that events that do not
		// match are not read again on the next tick.
		next, err := lastSeq(ctx, st)
		if err != nil {
			return err
		}
		if next == head {
			continue
		}
		page := q
		page.AfterSeq, page.BeforeSeq, page.Limit = head, next+1, store.MaxAuditQueryLimit
		for {
			evs, err := st.SearchAuditEvents(ctx, page)
			if err != nil {
				return fmt.Errorf("read the audit log: %w", err)
			}
			if err := p.print(evs); err != nil {
				return err
			}
			if len(evs) < page.Limit {
				break
			}
			page.AfterSeq = evs[len(evs)-1].Seq
		}
		head = next
	}
}

// lastSeq returns the Seq of the newest event, 0 for an empty log.
func lastSeq(ctx context.Context, st store.AuditEvents) (int64, error) {
	evs, err := st.SearchAuditEvents(ctx, store.AuditQuery{Desc: true, Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("read the audit log: %w", err)
	}
	if len(evs) == 0 {
		return 0, nil
	}
	return evs[0].Seq, nil
}

// eventPrinter writes events as a table or as JSON Lines.
type eventPrinter struct {
	w      io.Writer
	json   bool
	header bool // the table's header has been written
}

func newEventPrinter(w io.Writer, form string) *eventPrinter {
	return &eventPrinter{w: w, json: form == "json"}
}

// print writes evs. A table gets its header once, before the first rows
// (or alone, when there are none at all).
func (p *eventPrinter) print(evs []store.AuditEvent) error {
	if p.json {
		enc := json.NewEncoder(p.w)
		for _, ev := range evs {
			if err := enc.Encode(export.FromStore(ev)); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		return nil
	}
	if len(evs) == 0 && p.header {
		return nil
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	if !p.header {
		fmt.Fprintln(tw, "TIME\tSEQ\tTYPE\tOUTCOME\tACTOR\tAPP\tAGENT\tREQUEST\tSUMMARY")
		p.header = true
	}
	for _, ev := range evs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format(time.RFC3339), ev.Seq,
			cell(ev.Type), cell(ev.Outcome), cell(ev.Actor), cell(ev.App), cell(ev.Agent), cell(ev.RequestID), cell(summary(ev.Data)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// cell makes a value safe for one table cell: control characters (tabs
// and line breaks included) and invisible format characters (such as
// bidirectional overrides, which can make a terminal show text out of
// order) become U+FFFD; an empty value is "-".
func cell(s string) string {
	s = audit.Clean(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return '\uFFFD'
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s
}

// summaryKeys are the data fields that best say what an event was about,
// in the order a summary shows them.
var summaryKeys = []string{"code", "reason", "step", "conversation_id", "count", "version"}

// summary is a short key=value digest of an event's data: the first two
// of summaryKeys present, or else the first two fields with a plain value.
func summary(data []byte) string {
	var m map[string]any
	if len(data) == 0 || json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return ""
	}
	var keys []string
	for _, k := range summaryKeys {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	var parts []string
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		case float64, bool:
			v = fmt.Sprint(x)
		default:
			continue
		}
		parts = append(parts, k+"="+v)
		if len(parts) == 2 {
			break
		}
	}
	out := strings.Join(parts, " ")
	if r := []rune(out); len(r) > 60 {
		out = string(r[:59]) + "…"
	}
	return out
}
