package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/secrets"

	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/store"
)

func newSecretsCmd(s streams) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the encrypted secret store",
		Long: `Manage the secrets that configuration names as ${secret:NAME}. Each version
is encrypted under its own data key, which the key-encryption key of
secrets.kek wraps. Values are never taken as arguments: give them on standard
input or with --from-file. Every read and change is an audit event.

Make a key-encryption keyset with "palisade secrets keygen --out FILE" and
name it in the configuration (secrets.kek.keyset_file).`,
	}
	cmd.PersistentFlags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")

	// withManager opens the store and the secret manager for one command.
	withManager := func(cmd *cobra.Command, fn func(ctx context.Context, m *secrets.Manager) error) error {
		if path == "" {
			return &exitError{code: 2, err: errors.New("--config is required")}
		}
		ctx := cmd.Context()
		return withConfigStore(ctx, path, func(cfg *config.Config, st store.Store) error {
			j := audit.NewJournal(st, audit.JournalOptions{})
			defer j.Close()
			out, err := newOutbound(cfg, nil, egressRecorder(j, nil))
			if err != nil {
				return err
			}
			m, err := openSecrets(cfg, st, j, out)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			return secretError(fn(ctx, m))
		})
	}

	var fromFile string
	putLike := func(use, short string, rotate bool) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				value, err := readSecretValue(s.in, fromFile)
				if err != nil {
					return err
				}
				defer clear(value)
				return withManager(cmd, func(ctx context.Context, m *secrets.Manager) error {
					var info secrets.Info
					if rotate {
						info, err = m.Rotate(ctx, args[0], value, cliActor())
					} else {
						info, err = m.Put(ctx, args[0], value, cliActor())
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(s.out, "secret %s version %d stored (key %s)\n", info.Name, info.Version, info.KEKID)
					return nil
				})
			},
		}
		c.Flags().StringVar(&fromFile, "from-file", "", "read the value from this file, byte for byte (default: standard input, one trailing newline removed)")
		return c
	}

	var asJSON bool
	list := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List secrets (or the versions of one) without their values",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withManager(cmd, func(ctx context.Context, m *secrets.Manager) error {
				var infos []secrets.Info
				var err error
				if len(args) == 1 {
					infos, err = m.ListVersions(ctx, args[0])
				} else {
					infos, err = m.List(ctx)
				}
				if err != nil {
					return err
				}
				return printSecretInfos(s.out, infos, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var version int
	disable := &cobra.Command{
		Use:   "disable NAME [--version N]",
		Short: "Disable one version of a secret, or all of them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withManager(cmd, func(ctx context.Context, m *secrets.Manager) error {
				if err := m.Disable(ctx, args[0], version, cliActor()); err != nil {
					return err
				}
				if version == 0 {
					fmt.Fprintf(s.out, "every version of secret %s disabled\n", args[0])
				} else {
					fmt.Fprintf(s.out, "secret %s version %d disabled\n", args[0], version)
				}
				return nil
			})
		},
	}
	disable.Flags().IntVar(&version, "version", 0, "the version to disable (default: every version)")

	rewrap := &cobra.Command{
		Use:   "rewrap",
		Short: "Re-wrap every data key under the current key-encryption key",
		Long: `Re-wrap every data key under the current primary key of the key-encryption
keyset (after "palisade secrets keyrotate"), or the latest version of the
Vault Transit key. Values are not re-encrypted and do not change. Once it has
run, older keys can be removed from the keyset.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withManager(cmd, func(ctx context.Context, m *secrets.Manager) error {
				n, err := m.Rewrap(ctx, cliActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(s.out, "%d data key(s) re-wrapped\n", n)
				return nil
			})
		},
	}

	var outFile string
	keygen := &cobra.Command{
		Use:   "keygen [--out FILE]",
		Short: "Make a new key-encryption keyset (Tink JSON, AES-256-GCM)",
		Long: `Make a new key-encryption keyset and write it to FILE (mode 0600; an
existing file is never overwritten) or standard output. Keep it on other
storage than the database, such as a mounted secret volume: whoever holds the
keyset and a copy of the database can read every secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := secrets.GenerateKeyset()
			if err != nil {
				return err
			}
			defer clear(ks)
			if outFile == "" {
				_, err := s.out.Write(append(ks, '\n'))
				return err
			}
			if err := writeNewFile(outFile, ks); err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(s.err, "key-encryption keyset written to %s\n", outFile)
			return nil
		},
	}
	keygen.Flags().StringVar(&outFile, "out", "", "file to create (mode 0600)")

	var keysetFile string
	keyrotate := &cobra.Command{
		Use:   "keyrotate --keyset FILE",
		Short: "Add a new primary key to a key-encryption keyset",
		Long: `Add a new primary key to the keyset file; the older keys stay, so every
secret still decrypts. New data keys are wrapped by the new key; run
"palisade secrets rewrap" (after restarting Palisade with the new keyset) to
move the existing ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keysetFile == "" {
				return &exitError{code: 2, err: errors.New("--keyset is required")}
			}
			old, err := os.ReadFile(keysetFile)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			defer clear(old)
			ks, err := secrets.RotateKeyset(old)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("%s: %w", keysetFile, err)}
			}
			defer clear(ks)
			if err := replaceFile(keysetFile, ks); err != nil {
				return &exitError{code: 1, err: err}
			}
			kek, err := secrets.ParseKeyset(ks)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "new primary key %s added to %s\n", kek.ID(), keysetFile)
			return nil
		},
	}
	keyrotate.Flags().StringVar(&keysetFile, "keyset", "", "keyset file to rotate in place")

	cmd.AddCommand(
		putLike("put NAME [--from-file FILE] < value", "Store a secret (a new version if it exists)", false),
		putLike("rotate NAME [--from-file FILE] < value", "Store a new version of an existing secret", true),
		list, disable, rewrap, keygen, keyrotate,
	)
	return cmd
}

// readSecretValue reads a secret value from file (byte for byte) or from
// in (one trailing newline removed, as echo and here-strings add one).
func readSecretValue(in io.Reader, file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("--from-file: %w", err)}
		}
		return b, nil
	}
	if in == nil {
		in = strings.NewReader("")
	}
	b, err := io.ReadAll(io.LimitReader(in, secrets.MaxValueSize+2))
	if err != nil {
		return nil, fmt.Errorf("read the value: %w", err)
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	if len(b) == 0 {
		return nil, &exitError{code: 2, err: errors.New("no value: give it on standard input or with --from-file")}
	}
	return b, nil
}

// printSecretInfos prints secret metadata as a table or JSON.
func printSecretInfos(w io.Writer, infos []secrets.Info, asJSON bool) error {
	if asJSON {
		type row struct {
			Name       string     `json:"name"`
			Version    int        `json:"version"`
			Enabled    bool       `json:"enabled"`
			Versions   int        `json:"versions,omitempty"`
			CreatedAt  time.Time  `json:"created_at"`
			CreatedBy  string     `json:"created_by,omitempty"`
			DisabledAt *time.Time `json:"disabled_at,omitempty"`
			KEKID      string     `json:"kek_id,omitempty"`
		}
		rows := make([]row, 0, len(infos))
		for _, in := range infos {
			r := row{Name: in.Name, Version: in.Version, Enabled: in.Enabled, Versions: in.Versions,
				CreatedAt: in.CreatedAt.UTC(), CreatedBy: in.CreatedBy, KEKID: in.KEKID}
			if !in.DisabledAt.IsZero() {
				d := in.DisabledAt.UTC()
				r.DisabledAt = &d
			}
			rows = append(rows, r)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSTATE\tCREATED (UTC)\tBY\tKEY")
	for _, in := range infos {
		state := "enabled"
		if !in.Enabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", in.Name, in.Version, state,
			in.CreatedAt.UTC().Format(time.DateTime), audit.Clean(in.CreatedBy), in.KEKID)
	}
	return tw.Flush()
}

// secretError turns the secret store's refusals into clear exits; their
// messages never hold a value.
func secretError(err error) error {
	if err == nil {
		return nil
	}
	for _, e := range []error{secrets.ErrSealed, secrets.ErrNotFound, secrets.ErrDisabled, secrets.ErrInvalidName,
		secrets.ErrInvalidValue, secrets.ErrIntegrity, secrets.ErrKeyVersion, secrets.ErrReadOnly, secrets.ErrForbidden, secrets.ErrAudit} {
		if errors.Is(err, e) {
			return &exitError{code: 1, err: err}
		}
	}
	return err
}

// writeNewFile creates path with mode 0600 and writes data, refusing to
// overwrite a file.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaceFile atomically replaces path with data (mode 0600).
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
