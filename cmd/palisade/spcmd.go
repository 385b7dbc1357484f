package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/store"

	"github.com/palisade-gw/palisade/internal/config"
)

// newSPCmd is "palisade sp": service principals of the built-in identity
// provider.
func newSPCmd(s streams) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "sp",
		Short: "Manage service principals (non-human callers) of the built-in identity provider",
		Long: `Manage service principals: non-human identities that get short-lived access
tokens from the built-in identity provider's token endpoint, with the
client ID "sp:NAME", by client credentials (a generated secret, or a
client assertion signed by a registered public key) or by exchanging a
token of a federated external identity (RFC 8693). Secrets are printed
once and only their hashes are stored.`,
	}
	cmd.PersistentFlags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	_ = cmd.MarkPersistentFlagRequired("config")

	withStore := func(cmd *cobra.Command, fn func(ctx context.Context, st store.Store) error) error {
		return withConfigStore(cmd.Context(), path, func(_ *config.Config, st store.Store) error { return fn(cmd.Context(), st) })
	}
	checkName := func(name string) error {
		if err := localidp.CheckServicePrincipalName(name); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("%q: %w", name, err)}
		}
		return nil
	}
	notFound := func(name string, err error) error {
		if errors.Is(err, store.ErrNotFound) {
			return &exitError{code: 1, err: fmt.Errorf("no service principal %q", name)}
		}
		return err
	}

	var description, publicKey string
	var withSecret bool
	var federate []string
	create := &cobra.Command{
		Use:   `create NAME [--description D] [--secret] [--public-key FILE] [--federate "ISSUER SUBJECT AUDIENCE"]...`,
		Short: "Create a service principal; --secret prints its new secret once",
		Long: `Create a service principal. Give at least one way for it to authenticate:
  --secret                 generate a secret (32 random bytes), print it once
  --public-key FILE        a JWK, JWKS or PEM public key (or certificate) for
                           private_key_jwt client assertions
  --federate "ISSUER SUBJECT AUDIENCE"
                           an external identity whose JWTs (exactly this iss,
                           sub and an aud value) may be exchanged for this
                           service principal's tokens; repeatable`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := checkName(name); err != nil {
				return err
			}
			if !withSecret && publicKey == "" && len(federate) == 0 {
				return &exitError{code: 2, err: errors.New("give --secret, --public-key or --federate: a service principal needs a way to authenticate")}
			}
			now := time.Now().UTC()
			sp := store.ServicePrincipal{Name: name, Description: strings.TrimSpace(description), CreatedAt: now, UpdatedAt: now}
			if publicKey != "" {
				data, err := os.ReadFile(publicKey)
				if err != nil {
					return &exitError{code: 1, err: err}
				}
				if sp.PublicKeys, err = localidp.ParsePublicKeys(data); err != nil {
					return &exitError{code: 1, err: fmt.Errorf("%s: %w", publicKey, err)}
				}
			}
			for _, f := range federate {
				parts := strings.Fields(f)
				if len(parts) != 3 {
					return &exitError{code: 2, err: fmt.Errorf(`--federate %q: want "ISSUER SUBJECT AUDIENCE"`, f)}
				}
				if !strings.HasPrefix(parts[0], "https://") {
					return &exitError{code: 2, err: fmt.Errorf("--federate: the issuer %q must be an https URL", parts[0])}
				}
				sp.Federation = append(sp.Federation, store.FederatedIdentity{Issuer: parts[0], Subject: parts[1], Audience: parts[2]})
			}
			return withStore(cmd, func(ctx context.Context, st store.Store) error {
				secret := ""
				if withSecret {
					h, err := localidp.NewSecretHasher(ctx, st)
					if err != nil {
						return err
					}
					var hash string
					secret, hash = h.NewSecret()
					sp.SecretHashes = []string{hash}
				}
				if err := st.CreateServicePrincipal(ctx, sp); err != nil {
					if errors.Is(err, store.ErrAlreadyExists) {
						return &exitError{code: 1, err: fmt.Errorf("service principal %q already exists", name)}
					}
					return err
				}
				fmt.Fprintf(s.out, "service principal %s created (client_id %s)\n", name, localidp.ServicePrincipalClientID(name))
				if secret != "" {
					fmt.Fprintf(s.out, "client_secret: %s\n(shown once: store it now; only its hash is kept)\n", secret)
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&description, "description", "", "what the service principal is for (its display name)")
	create.Flags().BoolVar(&withSecret, "secret", false, "generate a client secret and print it once")
	create.Flags().StringVar(&publicKey, "public-key", "", "file with a JWK, JWKS or PEM public key for private_key_jwt")
	create.Flags().StringArrayVar(&federate, "federate", nil, `"ISSUER SUBJECT AUDIENCE" of an external identity that may act as it (repeatable)`)

	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the service principals (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(ctx context.Context, st store.Store) error {
				sps, err := st.ListServicePrincipals(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					type entry struct {
						Name        string                    `json:"name"`
						ClientID    string                    `json:"client_id"`
						Description string                    `json:"description"`
						Secrets     int                       `json:"secrets"`
						PublicKeys  json.RawMessage           `json:"public_keys,omitempty"`
						Federation  []store.FederatedIdentity `json:"federation"`
						Disabled    bool                      `json:"disabled"`
						CreatedAt   time.Time                 `json:"created_at"`
						UpdatedAt   time.Time                 `json:"updated_at"`
					}
					out := make([]entry, 0, len(sps))
					for _, sp := range sps {
						fed := sp.Federation
						if fed == nil {
							fed = []store.FederatedIdentity{}
						}
						out = append(out, entry{Name: sp.Name, ClientID: localidp.ServicePrincipalClientID(sp.Name),
							Description: sp.Description, Secrets: len(sp.SecretHashes), PublicKeys: sp.PublicKeys,
							Federation: fed, Disabled: sp.Disabled, CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt})
					}
					enc := json.NewEncoder(s.out)
					enc.SetIndent("", "  ")
					return enc.Encode(out)
				}
				tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tCLIENT ID\tDESCRIPTION\tSECRETS\tKEYS\tFEDERATED\tSTATUS")
				for _, sp := range sps {
					status := "active"
					if sp.Disabled {
						status = "disabled"
					}
					keys := "no"
					if len(sp.PublicKeys) > 0 {
						keys = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", sp.Name, localidp.ServicePrincipalClientID(sp.Name),
						dash(sp.Description), len(sp.SecretHashes), keys, len(sp.Federation), status)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	// update applies fn to the stored record, retrying a few times when
	// another writer changed it meanwhile.
	update := func(ctx context.Context, st store.Store, name string, fn func(*store.ServicePrincipal) error) error {
		for range 3 {
			sp, err := st.GetServicePrincipal(ctx, name)
			if err != nil {
				return notFound(name, err)
			}
			prev := sp.UpdatedAt
			if err := fn(&sp); err != nil {
				return err
			}
			sp.UpdatedAt = time.Now().UTC()
			if !sp.UpdatedAt.After(prev) {
				sp.UpdatedAt = prev.Add(time.Microsecond)
			}
			err = st.UpdateServicePrincipal(ctx, sp, prev)
			if !errors.Is(err, store.ErrConflict) {
				return notFound(name, err)
			}
		}
		return &exitError{code: 1, err: fmt.Errorf("service principal %q keeps changing; try again", name)}
	}

	var revokeOld bool
	rotate := &cobra.Command{
		Use:   "rotate NAME [--revoke-old]",
		Short: "Give a new secret (printed once); the previous one stays valid until --revoke-old or the next rotate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := checkName(name); err != nil {
				return err
			}
			return withStore(cmd, func(ctx context.Context, st store.Store) error {
				h, err := localidp.NewSecretHasher(ctx, st)
				if err != nil {
					return err
				}
				secret, hash := h.NewSecret()
				kept := 0
				if err := update(ctx, st, name, func(sp *store.ServicePrincipal) error {
					next := []string{hash}
					if !revokeOld && len(sp.SecretHashes) > 0 {
						next = append(next, sp.SecretHashes[0])
					}
					kept = len(next) - 1
					sp.SecretHashes = next[:min(len(next), localidp.MaxSecrets)]
					return nil
				}); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "new client_secret of %s: %s\n(shown once: store it now; only its hash is kept)\n", name, secret)
				if kept > 0 {
					fmt.Fprintln(s.out, "the previous secret stays valid until \"palisade sp rotate --revoke-old\" or the next rotate; older ones are revoked")
				} else {
					fmt.Fprintln(s.out, "every other secret is revoked")
				}
				return nil
			})
		},
	}
	rotate.Flags().BoolVar(&revokeOld, "revoke-old", false, "revoke every previous secret now")

	setDisabled := func(use string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: strings.ToUpper(use[:1]) + use[1:] + " a service principal",
			Long: `Disable or enable a service principal. A disabled one gets no new
tokens (invalid_client); tokens already issued stay valid until they expire
(Options.ServiceTokenTTL, 10 minutes by default).`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				name := args[0]
				if err := checkName(name); err != nil {
					return err
				}
				return withStore(cmd, func(ctx context.Context, st store.Store) error {
					if err := update(ctx, st, name, func(sp *store.ServicePrincipal) error {
						sp.Disabled = disabled
						return nil
					}); err != nil {
						return err
					}
					fmt.Fprintf(s.out, "service principal %s %sd\n", name, use)
					return nil
				})
			},
		}
	}

	cmd.AddCommand(create, list, rotate, setDisabled("disable", true), setDisabled("enable", false))
	return cmd
}
