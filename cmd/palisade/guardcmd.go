package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/guard/detect"
	"github.com/palisade-gw/palisade/internal/guard/eval"
)

// maxScanInput bounds what guard scan reads.
const maxScanInput = 64 << 20

func newGuardCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "guard",
		Short: "Inspect text with the content guard and measure its detectors",
	}
	cmd.AddCommand(newGuardScanCmd(s), newGuardEvalCmd(s), newGuardTypesCmd(s))
	return cmd
}

// guardEngineFor builds the engine of a configuration file, or the
// built-in one when path is empty.
func guardEngineFor(path string) (*guard.Engine, *config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = loadConfig(path); err != nil {
			return nil, nil, err
		}
	}
	// The classifier is called through the egress policy; a classifier
	// key kept in the secret store is not read by this command.
	out, err := newOutbound(cfg, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	e, err := buildGuardEngine(cfg, out)
	return e, cfg, err
}

func newGuardScanCmd(s streams) *cobra.Command {
	var (
		path, source, agentName, file string
		minConf                       float64
	)
	cmd := &cobra.Command{
		Use:   "scan [FILE]",
		Short: "Print what the detectors find in a text (stdin or FILE), as JSON",
		Long: `Run the guard's detectors over a text and print every finding as JSON:
type, category, start and end (byte offsets, end exclusive) and confidence.
The matched values are never printed.

With --agent, also print what that agent's guard policy would do: the
action and the text as it would pass on (placeholders, masks, markers).
--source says who wrote the text: user (default; injection checked),
content (a retrieved document or tool output; indirect injection checked),
answer (an agent's answer; outbound rules, links and leaks).`,
		Example: `  echo 'card 4111 1111 1111 1111, mail ann@example.com' | palisade guard scan
  palisade guard scan -c palisade.yaml --agent hr-helpdesk prompt.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			var r io.Reader = s.in
			if len(args) == 1 {
				file = args[0]
			}
			if file != "" && file != "-" {
				f, err := os.Open(file)
				if err != nil {
					return &exitError{code: 1, err: err}
				}
				defer f.Close()
				r = f
			}
			data, err := io.ReadAll(io.LimitReader(r, maxScanInput+1))
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			if len(data) > maxScanInput {
				return &exitError{code: 1, err: fmt.Errorf("input is larger than %d bytes", maxScanInput)}
			}
			text := string(data)
			e, cfg, err := guardEngineFor(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			src := guard.FromUser
			switch source {
			case "user":
			case "content":
				src = guard.FromContent
			case "answer":
				src = ""
			default:
				return &exitError{code: 2, err: fmt.Errorf("--source must be user, content or answer")}
			}
			fs := e.Detect(src, text)
			out := struct {
				Findings []detect.Finding `json:"findings"`
				Policy   string           `json:"policy,omitempty"`
				Action   guard.Action     `json:"action,omitempty"`
				Text     *string          `json:"text,omitempty"`
				Blocked  []string         `json:"blocked,omitempty"`
			}{Findings: []detect.Finding{}}
			for _, f := range fs {
				if f.Confidence >= minConf {
					out.Findings = append(out.Findings, f)
				}
			}
			if agentName != "" {
				var agentCfg *config.Agent
				for i := range cfg.Agents {
					if cfg.Agents[i].Name == agentName {
						agentCfg = &cfg.Agents[i]
					}
				}
				if agentCfg == nil {
					return &exitError{code: 2, err: fmt.Errorf("no agent is named %q in the configuration", agentName)}
				}
				out.Policy = guardPolicyName(cfg, *agentCfg)
				g := e.ForAgent(guardPolicies(cfg.Guard)[out.Policy], agentCfg.Instructions)
				turn := g.Begin(context.Background(), "openai")
				var v guard.Verdict
				if src == "" {
					v, err = turn.Answer(context.Background(), text)
				} else {
					v, err = turn.Inspect(context.Background(), src, text)
				}
				if err != nil {
					return &exitError{code: 1, err: err}
				}
				out.Action = v.Action
				if v.Action == guard.ActionBlock {
					dir := guard.Inbound
					if src == "" {
						dir = guard.Outbound
					}
					out.Blocked = guard.Blocked(dir, src, v).Types
				} else {
					out.Text = &v.Text
				}
			}
			enc := json.NewEncoder(s.out)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "configuration file (custom detectors, classifier, policies); default the built-in detectors")
	cmd.Flags().StringVar(&source, "source", "user", "who wrote the text: user, content or answer")
	cmd.Flags().StringVar(&agentName, "agent", "", "also show what this agent's guard policy would do (needs --config)")
	cmd.Flags().Float64Var(&minConf, "min-confidence", 0, "print only findings at or above this confidence")
	return cmd
}

func newGuardEvalCmd(s streams) *cobra.Command {
	var (
		path, format, source string
		presidio             bool
		threshold            float64
		types                []string
	)
	cmd := &cobra.Command{
		Use:   "eval FILE",
		Short: "Measure precision, recall and F1 per type against labelled data",
		Long: `Score the guard's detectors against labelled cases and print precision,
recall and F1 per finding type, and the detection and false-positive rates
of prompt injection when cases are labelled with "injection".

FILE is JSON Lines, one case per line:
  {"id": "c1", "text": "...", "spans": [{"type": "email", "start": 10, "end": 25}], "injection": false}
with byte offsets (end exclusive). With --presidio, FILE is Microsoft's
synthetic PII set (presidio-research synth_dataset_v2.json) instead.
A predicted span counts when it overlaps a labelled span of the same type.`,
		Example: `  palisade guard eval testdata/guard/cases.jsonl
  palisade guard eval --presidio ../shared/data/presidio-synth/synth_dataset_v2.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			var cases []eval.Case
			var err error
			if presidio {
				cases, err = eval.LoadPresidio(args[0])
				if len(types) == 0 {
					types = eval.PresidioTypes()
				}
			} else {
				var f *os.File
				if f, err = os.Open(args[0]); err == nil {
					cases, err = eval.LoadJSONL(f)
					f.Close()
				}
			}
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			e, _, err := guardEngineFor(path)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			src := guard.FromUser
			if source == "content" {
				src = guard.FromContent
			} else if source != "user" {
				return &exitError{code: 2, err: fmt.Errorf("--source must be user or content")}
			}
			rep := eval.Score(e.Detector(src), cases, eval.Options{Threshold: threshold, Types: types})
			switch format {
			case "table":
				fmt.Fprint(s.out, rep.Table())
			case "json":
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			default:
				return &exitError{code: 2, err: fmt.Errorf("--output must be table or json")}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "configuration file (custom detectors); default the built-in detectors")
	cmd.Flags().BoolVar(&presidio, "presidio", false, "FILE is presidio-research's synth_dataset_v2.json")
	cmd.Flags().Float64Var(&threshold, "threshold", guard.DefaultMinConfidence, "confidence at which a finding counts")
	cmd.Flags().StringSliceVar(&types, "types", nil, "score only these types (default: every type the detectors report)")
	cmd.Flags().StringVar(&source, "source", "user", "detectors to run: user (direct injection) or content (indirect)")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}

func newGuardTypesCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "types",
		Short: "List the finding types the built-in detectors report",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			fmt.Fprintln(s.out, strings.Join(guard.BuiltinTypes(), "\n"))
			return nil
		},
	}
}
