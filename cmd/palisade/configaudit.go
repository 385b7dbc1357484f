package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/store"
)

// configCursor is where, among the export cursors, the Seq of the last
// config.changed event is kept, so that start-up finds the previous
// configuration without searching the log. No sink can have this name
// (sink names cannot contain '#').
const configCursor = "#config"

// maxChangedPaths bounds the paths a config.changed event lists.
const maxChangedPaths = 200

// recordConfigChange writes a config.changed event when the configuration
// differs from the one the last such event recorded (or none was
// recorded yet): who started the server with it, the paths that were
// added, removed or changed, and, for the next comparison, a keyed hash
// of every value. Values themselves never reach the log: a configuration
// holds addresses, user names and references that are not the log's to
// keep. If the event cannot be written the server must not start.
func recordConfigChange(ctx context.Context, cfg *config.Config, st store.Store, rec audit.Recorder) error {
	key, err := randomSecret(ctx, st, auditHashKeyName, 32)
	if err != nil {
		return err
	}
	leaves, err := configLeaves(cfg, key)
	if err != nil {
		return err
	}
	sum := leavesSum(leaves)
	prev, prevSum, err := lastConfig(ctx, st)
	if err != nil {
		return err
	}
	if prevSum == sum {
		return nil
	}
	data := map[string]any{"version": version, "sha256": sum, "values": leaves}
	if prev == nil {
		data["first"] = true
	} else {
		data["previous_sha256"] = prevSum
		added, removed, changed := diffLeaves(prev, leaves)
		data["added"], data["removed"], data["changed"] = added, removed, changed
	}
	_, stored, err := rec.RecordWith(ctx, audit.Event{Type: audit.TypeConfigChanged, Outcome: audit.OutcomeSuccess,
		Actor: cliActor(), Data: data}, store.Record{})
	if err != nil {
		return err
	}
	if n := len(stored.Events); n > 0 {
		if err := st.SetExportCursor(ctx, configCursor, stored.Events[n-1].Seq, time.Now()); err != nil {
			return fmt.Errorf("remember the configuration's audit event: %w", err)
		}
	}
	return nil
}

// configLeaves flattens the configuration as written (references, not
// their values; see Config.Redacted) into paths and keyed hashes of their
// values. List elements with a name are addressed by it
// (agents[hr-helpdesk]), others by position; lists of plain values are
// one leaf.
func configLeaves(cfg *config.Config, key []byte) (map[string]string, error) {
	b, err := json.Marshal(cfg.Redacted())
	if err != nil {
		return nil, fmt.Errorf("encode the configuration: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("encode the configuration: %w", err)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, child)
			}
			return
		case []any:
			if len(x) > 0 && slices.IndexFunc(x, func(e any) bool { _, ok := e.(map[string]any); return !ok }) < 0 {
				seen := map[string]bool{}
				for i, e := range x {
					id := strconv.Itoa(i)
					if name, ok := e.(map[string]any)["name"].(string); ok && name != "" && !seen[name] {
						id, seen[name] = name, true
					}
					walk(path+"["+id+"]", e)
				}
				return
			}
		}
		leaf, _ := json.Marshal(v)
		out[path] = keyedHash(key, string(leaf))
	}
	walk("", v)
	return out, nil
}

// leavesSum is the hash of a flattened configuration.
func leavesSum(leaves map[string]string) string {
	paths := make([]string, 0, len(leaves))
	for p := range leaves {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s=%s\n", p, leaves[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lastConfig returns the flattened configuration the last config.changed
// event recorded, and its hash; nil when there is none.
func lastConfig(ctx context.Context, st store.Store) (map[string]string, string, error) {
	seq, err := st.GetExportCursor(ctx, configCursor)
	if errors.Is(err, store.ErrNotFound) || (err == nil && seq == 0) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("find the previous configuration: %w", err)
	}
	evs, err := st.SearchAuditEvents(ctx, store.AuditQuery{AfterSeq: seq - 1, Type: audit.TypeConfigChanged, Limit: 1})
	if err != nil {
		return nil, "", fmt.Errorf("read the previous configuration: %w", err)
	}
	if len(evs) == 0 || evs[0].Seq != seq {
		// The event is gone (a log rolled back or edited): compare with
		// nothing; audit verify reports the log itself.
		return nil, "", nil
	}
	var d struct {
		Sum    string            `json:"sha256"`
		Values map[string]string `json:"values"`
	}
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		return nil, "", fmt.Errorf("read the previous configuration: %w", err)
	}
	return d.Values, d.Sum, nil
}

// diffLeaves lists the paths added, removed and changed between two
// flattened configurations, sorted, each list at most maxChangedPaths
// long (a last element "…" says it was cut).
func diffLeaves(prev, cur map[string]string) (added, removed, changed []string) {
	for p, h := range cur {
		switch old, ok := prev[p]; {
		case !ok:
			added = append(added, p)
		case old != h:
			changed = append(changed, p)
		}
	}
	for p := range prev {
		if _, ok := cur[p]; !ok {
			removed = append(removed, p)
		}
	}
	return cut(added), cut(removed), cut(changed)
}

func cut(paths []string) []string {
	if paths == nil {
		return []string{}
	}
	slices.SortFunc(paths, strings.Compare)
	if len(paths) > maxChangedPaths {
		paths = append(paths[:maxChangedPaths], "…")
	}
	return paths
}
