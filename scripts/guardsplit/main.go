// Command guardsplit splits a guard evaluation set by the parity of its
// case ids, for measuring the held-out half: the detectors are tuned, and
// the injection scorer trained, on the cases with an even id number; the
// odd ones are held out.
//
//	go run ./scripts/guardsplit -o /tmp testdata/guard/cases.jsonl
//	palisade guard eval /tmp/cases_odd.jsonl
//
// It writes NAME_even.jsonl and NAME_odd.jsonl into the output directory,
// each line copied unchanged.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("o", ".", "directory to write the two halves to")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: guardsplit [-o dir] cases.jsonl")
		os.Exit(2)
	}
	if err := split(flag.Arg(0), *out); err != nil {
		fmt.Fprintln(os.Stderr, "guardsplit:", err)
		os.Exit(1)
	}
}

func split(path, dir string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	var halves [2]bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var c struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		n, err := strconv.Atoi(c.ID[strings.LastIndexByte(c.ID, '-')+1:])
		if err != nil {
			return fmt.Errorf("line %d: id %q has no number", line, c.ID)
		}
		halves[n%2].Write(b)
		halves[n%2].WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for i, name := range []string{"even", "odd"} {
		if err := os.WriteFile(filepath.Join(dir, base+"_"+name+".jsonl"), halves[i].Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
