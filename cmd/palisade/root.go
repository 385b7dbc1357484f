package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// streams are the command's standard streams, so tests can run commands
// in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
	// silent means the command has already said everything: no message.
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// run executes the CLI with args and returns the process exit code: 0 on
// success, 1 on failure, 2 on misuse.
func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) int {
	root := newRootCmd(streams{in: in, out: out, err: errw})
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.silent {
			fmt.Fprintln(errw, "palisade:", err)
		}
		return ee.code
	}
	fmt.Fprintln(errw, "palisade:", err)
	if strings.Contains(err.Error(), "unknown command") || strings.Contains(err.Error(), "unknown flag") ||
		strings.Contains(err.Error(), "accepts ") || strings.Contains(err.Error(), "required flag") {
		return 2
	}
	return 1
}

func newRootCmd(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "palisade",
		Short: "Palisade: a security gateway and governance plane for AI agents",
		Long: `Palisade stands in front of AI agents and the model servers behind them.
For every request it decides who is asking, through which app, whether they
may, whether the content is safe, and what must be recorded.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(s), newDemoCmd(s), newConfigCmd(s), newPolicyCmd(s), newVersionCmd(s))
	root.AddCommand(newUsersCmd(s), newSessionsCmd(s), newTokensCmd(s), newAuditCmd(s), newGuardCmd(s), newSecretsCmd(s), newSPCmd(s))
	return root
}

func newVersionCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			goVersion, revision := "", ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				goVersion = bi.GoVersion
				for _, st := range bi.Settings {
					if st.Key == "vcs.revision" {
						revision = st.Value
					}
				}
			}
			fmt.Fprintf(s.out, "palisade %s", version)
			if revision != "" {
				fmt.Fprintf(s.out, " (%s)", revision)
			}
			fmt.Fprintf(s.out, " %s\n", goVersion)
			return nil
		},
	}
}

// newLogger returns the operational logger: JSON lines on w.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("--log-level %q: use debug, info, warn or error", level)}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// withConfigStore loads the configuration at path and opens its store for
// one command, closing it after fn. A configuration that does not load is
// exit code 1.
func withConfigStore(ctx context.Context, path string, fn func(cfg *config.Config, st store.Store) error) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st)
}
