package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/config"
)

func newConfigCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check configuration files and print their schema",
	}
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a configuration file and report every problem with its line",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := loadConfig(args[0])
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(s.out, "%s: valid (%d environments, %d agents, %d apps)\n",
				args[0], len(cfg.Environments), len(cfg.Agents), len(cfg.Apps))
			for _, u := range cfg.Unsafe() {
				fmt.Fprintf(s.out, "warning: unsafe option in effect: %s\n", u)
			}
			return nil
		},
	}
	schema := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the configuration format",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := config.Schema()
			if err != nil {
				return err
			}
			_, err = s.out.Write(append(b, '\n'))
			return err
		},
	}
	cmd.AddCommand(validate, schema)
	return cmd
}
