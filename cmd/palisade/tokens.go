package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
)

func newTokensCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Revoke the Direct Line tokens Palisade issued",
	}
	var path, app, user, conv string
	revoke := &cobra.Command{
		Use:   "revoke -c FILE (--app APP --user USER | --conversation ID)",
		Short: "Refuse every Direct Line token issued so far to a user of an app, or for a conversation",
		Long: `Refuse, on every replica and from the next request, the Direct Line tokens
issued until now to one user of one app, or for one conversation; refreshing
them is refused too. Tokens issued afterwards work.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var key, what string
			switch {
			case conv == "" && app != "" && user != "":
				key, what = identity.UserRevocationKey(app, user), "user "+user+" of app "+app
			case conv != "" && app == "" && user == "":
				key, what = identity.ConversationRevocationKey(conv), "conversation "+conv
			default:
				return &exitError{code: 2, err: fmt.Errorf("give --app with --user, or --conversation")}
			}
			cfg, err := loadConfig(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			// Keep the revocation until every token it covers has
			// expired: the longest token lifetime of any app.
			keep := time.Hour
			for _, a := range cfg.Apps {
				keep = max(keep, a.TokenTTL.D())
			}
			ctx := cmd.Context()
			st, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now().UTC()
			if err := st.RevokeTokens(ctx, key, now, now.Add(keep+time.Minute)); err != nil {
				return err
			}
			j := audit.NewJournal(st, audit.JournalOptions{})
			defer j.Close()
			if _, err := j.Record(ctx, audit.Event{Type: audit.TypeTokenRevoked, Outcome: audit.OutcomeSuccess, App: app,
				Data: map[string]any{"key": key, "by": "cli"}}); err != nil {
				return fmt.Errorf("tokens revoked, but the audit log could not record it: %w", err)
			}
			fmt.Fprintf(s.out, "Direct Line tokens of %s issued before %s are revoked\n", what, now.Format(time.RFC3339))
			return nil
		},
	}
	f := revoke.Flags()
	f.StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	f.StringVar(&app, "app", "", "the app the tokens were issued for")
	f.StringVar(&user, "user", "", "the Direct Line user id the tokens are bound to")
	f.StringVar(&conv, "conversation", "", "the conversation the tokens are bound to")
	_ = revoke.MarkFlagRequired("config")
	cmd.AddCommand(revoke)
	return cmd
}
