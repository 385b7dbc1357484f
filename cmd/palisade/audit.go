package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
	"github.com/palisade-gw/palisade/internal/audit/tlog"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/store"
)

func newAuditCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Search, follow and check the tamper-evident audit log",
	}
	cmd.AddCommand(newAuditVerifyCmd(s), newAuditKeyCmd(s), newAuditProveCmd(s), newAuditSearchCmd(s), newAuditTailCmd(s))
	return cmd
}

// auditFlags are the flags every audit subcommand shares.
type auditFlags struct {
	config, verifierKey string
}

func (f *auditFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "", "configuration file (YAML)")
	cmd.Flags().StringVar(&f.verifierKey, "verifier-key", "", "verify with this key (as `palisade audit key` prints it) instead of the one in the database")
	_ = cmd.MarkFlagRequired("config")
}

// open loads the configuration and opens the store and the verifiers of
// the log's checkpoints: the pinned --verifier-key, or the one derived
// from the signing key in the database.
func (f *auditFlags) open(ctx context.Context) (*config.Config, store.Store, note.Verifiers, error) {
	cfg, err := loadConfig(f.config)
	if err != nil {
		return nil, nil, nil, &exitError{code: 1, err: err}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if f.verifierKey != "" {
		v, err := note.NewVerifier(strings.TrimSpace(f.verifierKey))
		if err != nil {
			st.Close()
			return nil, nil, nil, &exitError{code: 2, err: fmt.Errorf("--verifier-key: %w", err)}
		}
		return cfg, st, note.VerifierList(v), nil
	}
	key, err := checkpoint.LoadKey(ctx, st, cfg.Audit.Origin)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return cfg, st, note.VerifierList(key.Verifier), nil
}

func newAuditVerifyCmd(s streams) *cobra.Command {
	var f auditFlags
	var dir string
	cmd := &cobra.Command{
		Use:   "verify -c FILE [--checkpoints DIR]",
		Short: "Check that no audit event was edited, deleted, inserted or reordered, and the database was not rolled back",
		Long: `Reads every audit event and checks it against the signed checkpoints kept in
the database and those in the checkpoint directory (audit.checkpoint_dir,
or --checkpoints). Prints one line: OK with the number of events and
checkpoints and the root, or TAMPERED with what was found and where.
Exits 0 when the log is intact, 1 when it is not or cannot be checked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, st, verifiers, err := f.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if !cmd.Flags().Changed("checkpoints") {
				dir = cfg.Audit.CheckpointDir
			}
			var external []tlog.Checkpoint
			if dir != "" {
				if external, err = checkpoint.ReadDir(dir, cfg.Audit.Origin, verifiers); err != nil {
					return &exitError{code: 1, err: fmt.Errorf("checkpoint directory: %w", err)}
				}
			}
			res, err := checkpoint.Verify(ctx, st, cfg.Audit.Origin, verifiers, external)
			var te *tlog.TamperError
			if errors.As(err, &te) {
				where := fmt.Sprintf("events %d..%d", te.First, te.Last)
				if te.Exact() {
					where = fmt.Sprintf("event %d", te.First)
				}
				fmt.Fprintf(s.out, "TAMPERED: %s at %s: %s\n", te.Kind, where, te.Detail)
				return &exitError{code: 1, silent: true}
			}
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("audit log not verified: %w", err)}
			}
			fmt.Fprintf(s.out, "OK: %d events (%d signed, %d not yet signed), %d checkpoint(s) (%d in the database, %d external), root %s\n",
				res.Size, res.Signed, res.Unsigned, res.Checkpoints, res.Stored, res.External, res.Root)
			if dir == "" {
				fmt.Fprintln(s.err, "palisade: warning: no checkpoint directory (audit.checkpoint_dir or --checkpoints): a rollback of the whole database cannot be detected")
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&dir, "checkpoints", "", "directory of checkpoints kept outside the database (default: audit.checkpoint_dir)")
	return cmd
}

func newAuditKeyCmd(s streams) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "key -c FILE",
		Short: "Print the verifier key of the audit log's checkpoints, to keep outside the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			key, err := checkpoint.LoadKey(cmd.Context(), st, cfg.Audit.Origin)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, key.VerifierKey)
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func newAuditProveCmd(s streams) *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "prove -c FILE EVENT-ID",
		Short: "Prove that an audit event is in the log signed by the newest checkpoint",
		Long: `Prints the RFC 6962 inclusion proof of the event (its leaf hash, index and
audit path) against the newest checkpoint in the database, with that signed
checkpoint, and checks the proof. Exits 1 if the event is not yet covered by
a checkpoint or the proof does not verify.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, st, verifiers, err := f.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			ev, err := st.GetAuditEvent(ctx, args[0])
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("audit event %q: %w", args[0], err)}
			}
			sc, err := st.LatestCheckpoint(ctx)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("latest checkpoint: %w", err)}
			}
			ck, err := tlog.Open(sc.Note, cfg.Audit.Origin, verifiers)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("latest checkpoint: %w", err)}
			}
			if ev.Seq < 1 || ev.Seq > ck.Size {
				return &exitError{code: 1, err: fmt.Errorf("event %s (seq %d) is not covered by the newest checkpoint (%d events) yet", ev.ID, ev.Seq, ck.Size)}
			}
			proof, leaf, err := proveInclusion(ctx, st, ev, ck.Size)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "event %s\nseq %d (leaf index %d)\nleaf hash %s\ntree size %d\nproof (%d hashes):\n", ev.ID, ev.Seq, ev.Seq-1, leaf, ck.Size, len(proof))
			for _, h := range proof {
				fmt.Fprintf(s.out, "  %s\n", h)
			}
			fmt.Fprintf(s.out, "checkpoint:\n%s", sc.Note)
			if err := tlog.CheckInclusion(proof, leaf, ev.Seq-1, ck); err != nil {
				fmt.Fprintf(s.out, "verified: NO\n")
				return &exitError{code: 1, err: fmt.Errorf("the proof does not verify (run palisade audit verify): %w", err)}
			}
			fmt.Fprintf(s.out, "verified: OK\n")
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

// proveInclusion rebuilds the tree of the first size events and returns
// the inclusion proof of ev in it and ev's leaf hash.
func proveInclusion(ctx context.Context, st store.AuditEvents, ev store.AuditEvent, size int64) (tlog.InclusionProof, tlog.Hash, error) {
	var tree tlog.Tree
	for e, err := range checkpoint.Events(ctx, st, 0) {
		if err != nil {
			return nil, tlog.Hash{}, fmt.Errorf("read audit events: %w", err)
		}
		if tree.Size() == size {
			break
		}
		if _, err := tree.AppendEvent(e); err != nil {
			return nil, tlog.Hash{}, fmt.Errorf("event %d: %w", e.Seq, err)
		}
	}
	if tree.Size() < size {
		return nil, tlog.Hash{}, &exitError{code: 1, err: fmt.Errorf("the log holds %d events, its checkpoint signs %d (run palisade audit verify)", tree.Size(), size)}
	}
	proof, err := tree.ProveInclusion(ev.Seq-1, size)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("prove event %d: %w", ev.Seq, err)
	}
	leaf, err := tlog.EventHash(ev)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	return proof, leaf, nil
}
