package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/store"
)

// defaultTOTPIssuer is the name authenticator apps show for Palisade.
const defaultTOTPIssuer = "Palisade"

func newUsersCmd(s streams) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the users of the built-in identity provider",
		Long: `Manage the users of Palisade's built-in identity provider, in the store
named by the configuration file. Passwords are never taken as arguments:
give them on standard input or with --password-file.`,
	}
	cmd.PersistentFlags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	_ = cmd.MarkPersistentFlagRequired("config")

	// withDirectory opens the store and the user directory for one
	// command.
	withDirectory := func(cmd *cobra.Command, fn func(ctx context.Context, dir *localidp.Directory, st store.Store) error) error {
		ctx := cmd.Context()
		return withConfigStore(ctx, path, func(_ *config.Config, st store.Store) error {
			dir, err := localidp.NewDirectory(ctx, st, nil)
			if err != nil {
				return err
			}
			return fn(ctx, dir, st)
		})
	}

	var name, email, groups, passwordFile, issuer string
	var withTOTP bool
	add := &cobra.Command{
		Use:   "add USERNAME [--groups a,b] [--name NAME] [--email EMAIL] [--totp] < password",
		Short: "Add a user; the password is read from standard input or --password-file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readPassword(s.in, passwordFile)
			if err != nil {
				return err
			}
			return withDirectory(cmd, func(ctx context.Context, dir *localidp.Directory, st store.Store) error {
				a, err := dir.AddUser(ctx, localidp.NewUser{
					Username: args[0], DisplayName: name, Email: email, Groups: splitList(groups),
				}, password)
				if errors.Is(err, store.ErrAlreadyExists) {
					return &exitError{code: 1, err: fmt.Errorf("user %q already exists; use \"palisade users reset\" to change the password", args[0])}
				}
				if err != nil {
					return userError(err)
				}
				if err := recordUserChange(ctx, st, audit.TypeUserAdded, a.Username, map[string]any{"groups": a.Groups, "totp": withTOTP}); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "user %s added (groups: %s)\n", a.Username, groupList(a.Groups))
				if withTOTP {
					return enrolTOTP(ctx, s, dir, a.Username, issuer)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&email, "email", "", "email address")
	add.Flags().StringVar(&groups, "groups", "", "comma-separated groups")
	add.Flags().StringVar(&passwordFile, "password-file", "", "read the password from this file instead of standard input")
	add.Flags().BoolVar(&withTOTP, "totp", false, "enrol a TOTP authenticator and print its otpauth:// URL")
	add.Flags().StringVar(&issuer, "totp-issuer", defaultTOTPIssuer, "the name authenticator apps show")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDirectory(cmd, func(ctx context.Context, dir *localidp.Directory, st store.Store) error {
				as, err := dir.Accounts(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USERNAME\tNAME\tEMAIL\tGROUPS\tTOTP\tSTATUS")
				now := time.Now()
				for _, a := range as {
					status := "active"
					switch {
					case a.Disabled:
						status = "disabled"
					case now.Before(a.LockedUntil):
						status = "locked until " + a.LockedUntil.UTC().Format(time.RFC3339)
					}
					totp := "no"
					if a.TOTP {
						totp = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Username, dash(a.DisplayName), dash(a.Email),
						groupList(a.Groups), totp, status)
				}
				return tw.Flush()
			})
		},
	}

	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " USERNAME",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withDirectory(cmd, func(ctx context.Context, dir *localidp.Directory, st store.Store) error {
					if err := dir.SetDisabled(ctx, args[0], disabled); err != nil {
						return userError(err)
					}
					name := strings.ToLower(strings.TrimSpace(args[0]))
					typ := audit.TypeUserEnabled
					if disabled {
						typ = audit.TypeUserDisabled
					}
					if err := recordUserChange(ctx, st, typ, name, nil); err != nil {
						return err
					}
					fmt.Fprintf(s.out, "user %s %sd\n", name, use)
					if !disabled {
						return nil
					}
					// A disabled user's browser sessions end now, not at
					// their next token refresh.
					n, err := revokeSessions(ctx, st, store.SessionFilter{Issuer: config.LocalIssuer, Subject: name}, "user disabled")
					if err != nil {
						return err
					}
					fmt.Fprintf(s.out, "%d session(s) revoked\n", n)
					return nil
				})
			},
		}
	}

	var resetPasswordFile, resetIssuer string
	var resetTOTP bool
	reset := &cobra.Command{
		Use:   "reset USERNAME [--totp] < password",
		Short: "Set a new password (from standard input or --password-file) and clear any lockout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readPassword(s.in, resetPasswordFile)
			if err != nil {
				return err
			}
			return withDirectory(cmd, func(ctx context.Context, dir *localidp.Directory, st store.Store) error {
				if err := dir.SetPassword(ctx, args[0], password); err != nil {
					return userError(err)
				}
				username := strings.ToLower(strings.TrimSpace(args[0]))
				if err := recordUserChange(ctx, st, audit.TypeUserPasswordReset, username, map[string]any{"totp": resetTOTP}); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "password of %s reset; lockout cleared\n", username)
				if resetTOTP {
					return enrolTOTP(ctx, s, dir, username, resetIssuer)
				}
				return nil
			})
		},
	}
	reset.Flags().StringVar(&resetPasswordFile, "password-file", "", "read the password from this file instead of standard input")
	reset.Flags().BoolVar(&resetTOTP, "totp", false, "enrol a new TOTP authenticator (replacing any) and print its otpauth:// URL")
	reset.Flags().StringVar(&resetIssuer, "totp-issuer", defaultTOTPIssuer, "the name authenticator apps show")

	var removePasskey string
	passkeys := &cobra.Command{
		Use:   "passkeys USERNAME [--remove ID]",
		Short: "List a user's passkeys, or remove one",
		Long: `List the passkeys a user has added at the sign-in page (after signing in
with password and code), or remove one by the ID the list shows, e.g. of a
lost device. A removed passkey signs in no more.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDirectory(cmd, func(ctx context.Context, dir *localidp.Directory, st store.Store) error {
				username := strings.ToLower(strings.TrimSpace(args[0]))
				if removePasskey != "" {
					err := dir.RemovePasskey(ctx, username, removePasskey)
					if errors.Is(err, store.ErrNotFound) {
						return &exitError{code: 1, err: fmt.Errorf("no passkey %s of a user %s", removePasskey, username)}
					}
					if err != nil {
						return userError(err)
					}
					if err := recordUserChange(ctx, st, audit.TypeUserPasskeyRemoved, username, map[string]any{"passkey": audit.Clean(removePasskey)}); err != nil {
						return err
					}
					fmt.Fprintf(s.out, "passkey %s of %s removed\n", removePasskey, username)
					return nil
				}
				pks, err := dir.Passkeys(ctx, username)
				if err != nil {
					return userError(err)
				}
				tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tAAGUID\tSYNCED\tCREATED\tLAST USED")
				for _, p := range pks {
					synced, used := "no", "never"
					if p.BackupState {
						synced = "yes"
					}
					if !p.LastUsedAt.IsZero() {
						used = p.LastUsedAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.AAGUID, synced,
						p.CreatedAt.UTC().Format(time.RFC3339), used)
				}
				return tw.Flush()
			})
		},
	}
	passkeys.Flags().StringVar(&removePasskey, "remove", "", "remove the passkey with this ID")

	cmd.AddCommand(add, list,
		setDisabled("disable", "Disable a user: no sign-in, no token refresh", true),
		setDisabled("enable", "Enable a disabled user", false),
		reset, passkeys)
	return cmd
}

// enrolTOTP enrols a TOTP authenticator and prints its URL, once.
func enrolTOTP(ctx context.Context, s streams, dir *localidp.Directory, username, issuer string) error {
	u, err := dir.EnrollTOTP(ctx, username, issuer)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "TOTP enrolled. Add this URL to the user's authenticator app (it contains the secret; it is shown only once):\n%s\n", u)
	return nil
}

// readPassword reads the first line of the password file, or of in.
func readPassword(in io.Reader, file string) (string, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", &exitError{code: 2, err: fmt.Errorf("--password-file: %w", err)}
		}
		defer f.Close()
		in = f
	}
	if in == nil {
		in = strings.NewReader("")
	}
	line, err := bufio.NewReader(io.LimitReader(in, localidp.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", &exitError{code: 2, err: errors.New("no password: give it on standard input or with --password-file")}
	}
	return password, nil
}

// userError turns the directory's refusals into clear exits.
func userError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &exitError{code: 1, err: errors.New("no such user")}
	case errors.Is(err, localidp.ErrWeakPassword), errors.Is(err, localidp.ErrInvalidUsername):
		return &exitError{code: 1, err: err}
	}
	return err
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func groupList(g []string) string {
	if len(g) == 0 {
		return "-"
	}
	return strings.Join(g, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recordUserChange records an administrative change of a built-in
// provider account in the audit log: the operator is the actor, the
// account is named in the data. The change is made already; when it
// cannot be recorded the command fails and says so.
func recordUserChange(ctx context.Context, st store.Store, typ, username string, data map[string]any) error {
	j := audit.NewJournal(st, audit.JournalOptions{})
	defer j.Close()
	if data == nil {
		data = map[string]any{}
	}
	data["user"] = config.LocalIssuer + ":" + audit.Clean(username)
	if _, err := j.Record(ctx, audit.Event{Type: typ, Outcome: audit.OutcomeSuccess, Actor: cliActor(), Data: data}); err != nil {
		return fmt.Errorf("the change to user %s is made, but the audit log could not record it: %w", username, err)
	}
	return nil
}
