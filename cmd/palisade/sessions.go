package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/store"
)

func newSessionsCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "End browser sign-in sessions",
	}
	var path, user, sid string
	revoke := &cobra.Command{
		Use:   "revoke -c FILE (--user ISSUER:SUBJECT | --provider-session ISSUER:SID)",
		Short: "End sessions now, on every replica: the next request made with them is refused",
		Example: `  palisade sessions revoke -c palisade.yaml --user local:alice
  palisade sessions revoke -c palisade.yaml --provider-session corp:5f1c…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f store.SessionFilter
			switch {
			case user != "" && sid == "":
				iss, sub, ok := strings.Cut(user, ":")
				if !ok || iss == "" || sub == "" {
					return &exitError{code: 2, err: fmt.Errorf("--user must be ISSUER:SUBJECT, such as local:alice")}
				}
				f = store.SessionFilter{Issuer: iss, Subject: sub}
			case sid != "" && user == "":
				iss, id, ok := strings.Cut(sid, ":")
				if !ok || iss == "" || id == "" {
					return &exitError{code: 2, err: fmt.Errorf("--provider-session must be ISSUER:SID")}
				}
				f = store.SessionFilter{Issuer: iss, SID: id}
			default:
				return &exitError{code: 2, err: fmt.Errorf("give exactly one of --user and --provider-session")}
			}
			cfg, err := loadConfig(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := revokeSessions(cmd.Context(), st, f, "revoked by an administrator")
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "%d session(s) revoked\n", n)
			return nil
		},
	}
	revoke.Flags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	revoke.Flags().StringVar(&user, "user", "", "every session of this user, as ISSUER:SUBJECT")
	revoke.Flags().StringVar(&sid, "provider-session", "", "the sessions of one identity provider session, as ISSUER:SID")
	_ = revoke.MarkFlagRequired("config")
	cmd.AddCommand(revoke)
	return cmd
}

// revokeSessions ends the sessions f selects and records it in the audit
// log; if the record cannot be written the command fails (the revocation
// itself stands).
func revokeSessions(ctx context.Context, st store.Store, f store.SessionFilter, reason string) (int, error) {
	n, err := st.RevokeSessions(ctx, f, time.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", err)
	}
	j := audit.NewJournal(st, audit.JournalOptions{})
	defer j.Close()
	actor := f.Issuer + ":" + f.Subject
	if f.Subject == "" {
		actor = ""
	}
	if _, err := j.Record(ctx, audit.Event{Type: audit.TypeSessionRevoked, Outcome: audit.OutcomeSuccess, Actor: actor,
		Data: map[string]any{"provider": f.Issuer, "count": n, "reason": reason, "by": "cli"}}); err != nil {
		return n, fmt.Errorf("%d session(s) revoked, but the audit log could not record it: %w", n, err)
	}
	return n, nil
}
