// Command injecttrain trains the scoring layer of the prompt-injection
// detector (internal/guard/inject/score.go) and writes its weights as Go
// source:
//
//	go generate ./internal/guard/inject
//	go run ./scripts/injecttrain -o internal/guard/inject/model_gen.go
//
// Training data, all of it labelled text outside the held-out measures:
//
//   - testdata/guard/cases.jsonl, cases with an even id number only (the
//     odd ids are the held-out half and are never read into training);
//   - the detector's own corpora: internal/guard/inject/testdata/*.txt
//     (family_*, written with the phrase families; train_*, written for
//     the scorer: attacks in wordings the phrase tables do not list, hard
//     negatives, and benign prose) and the attack and benign prompt lists
//     of corpus_test.go and heldout_test.go;
//   - benign prose: the e-mails of internal/guard/detect/testdata and the
//     sentences of Presidio's synthetic set (/work/shared/data, not used
//     by any injection measure);
//   - benign technical prose, in both modes: the paragraphs of the
//     Markdown documentation of modules Palisade is built with, read from
//     the module cache at the versions go.sum pins (moddocs.go), counted
//     with the hard benign texts when the threshold is chosen;
//   - BIPIA's training attacks with an even index within their category
//     (the odd ones are the held-out half of the BIPIA test), as Content
//     mode attacks; BIPIA's clean contexts are not used, so the test's
//     false-positive count stays out of sample.
//
// Every text is run through the real scanner (inject.TrainingUnits), which
// returns the sentences it would score and their features. A text is a bag
// of sentences: an attack has at least one attacking sentence, a benign
// text none. The model is a logistic regression (L2, Adagrad, full batch)
// trained as a multiple-instance problem: each attack's highest-scoring
// sentence is its positive instance, re-chosen over a few rounds. The
// weights are rounded to int8 steps, as the detector stores them. The
// decision threshold is chosen from out-of-fold scores (5 folds, by a
// hash of the text) so that at most -fp of the hard benign texts are
// flagged, then folded into the bias. The output depends on nothing but
// the input files: the same files give the same model_gen.go.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/inject"
)

// sample is one labelled text.
type sample struct {
	text   string
	attack bool
	mode   inject.Mode
	source string
	units  [][]uint32
	fold   int
	phrase bool // the phrase tables flag it
}

func main() {
	var (
		out      = flag.String("o", "", "write the generated Go file here (default: standard output)")
		root     = flag.String("root", "", "repository root (default: found from the working directory)")
		bipia    = flag.String("bipia", defaultBIPIA, "BIPIA training data")
		presidio = flag.String("presidio", defaultPresidio, "Presidio's synthetic texts, used as benign prose")
		report   = flag.Bool("report", false, "print the out-of-fold misses and false positives of the training data")
		explain  = flag.String("explain", "", "print the scored sentences of this text (Prompt mode) under the trained model")
	)
	p := defaultParams()
	flag.Float64Var(&p.fpRate, "fp", p.fpRate, "highest out-of-fold false-positive rate on the hard benign texts")
	flag.Float64Var(&p.lambda, "l2", p.lambda, "L2 regularisation strength")
	flag.Float64Var(&p.vocabMul, "vocabl2", p.vocabMul, "L2 multiplier of the open-ended (word) features")
	flag.Float64Var(&p.negWeight, "negweight", p.negWeight, "total weight of benign texts relative to attacks")
	flag.IntVar(&p.iters, "iters", p.iters, "gradient steps per round")
	flag.Float64Var(&p.rate, "rate", p.rate, "Adagrad step size")
	flag.BoolVar(&p.verbose, "v", false, "print the training loss, the threshold curve and the hardest benign texts")
	flag.Parse()
	if *root == "" {
		r, err := findRoot()
		if err != nil {
			fail(err)
		}
		*root = r
	}
	r, err := build(*root, *bipia, *presidio, p)
	if err != nil {
		fail(err)
	}
	if *explain != "" {
		units, phrase := inject.TrainingUnits(*explain, inject.Prompt)
		fmt.Fprintf(os.Stderr, "phrase tables flag it: %v\n", phrase)
		for _, u := range units {
			fmt.Fprintf(os.Stderr, "  %6.2f %q\n", r.model.score(u.Features)-r.thr, (*explain)[u.Start:u.End])
		}
	}
	if *report {
		for i, s := range r.samples {
			flagged := r.oof[i] >= r.thr
			if s.attack && !flagged && !s.phrase {
				fmt.Fprintf(os.Stderr, "miss  %-10s %6.2f %d %q\n", s.source, r.oof[i]-r.thr, len(s.units), s.text)
			} else if !s.attack && flagged {
				fmt.Fprintf(os.Stderr, "fp    %-10s %6.2f %q\n", s.source, r.oof[i]-r.thr, s.text)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "out of fold: %s\ntraining:    %s\n", r.oofStats, r.fitStats)
	if *out == "" {
		os.Stdout.Write(r.src)
		return
	}
	if err := os.WriteFile(*out, r.src, 0o644); err != nil {
		fail(err)
	}
}

// Where the shared data sets are.
const (
	defaultBIPIA    = "/work/shared/data/bipia-train"
	defaultPresidio = "/work/shared/data/presidio-synth/synth_dataset_v2.json"
)

// params are the training settings; defaultParams are those model_gen.go
// is made with.
type params struct {
	fpRate    float64
	lambda    float64
	vocabMul  float64
	negWeight float64
	iters     int
	rate      float64
	verbose   bool
}

func defaultParams() params {
	return params{fpRate: 0.005, lambda: 0.002, vocabMul: 0.25, negWeight: 2, iters: 400, rate: 0.5}
}

// result is a trained model and what was measured on the way.
type result struct {
	samples            []sample
	oof                []float64
	thr                float64
	model              *model
	oofStats, fitStats rates
	src                []byte // model_gen.go
}

// build loads the training data, trains the model and writes its source.
func build(root, bipia, presidio string, p params) (*result, error) {
	samples, err := load(root, bipia, presidio)
	if err != nil {
		return nil, err
	}
	for i := range samples {
		s := &samples[i]
		units, phrase := inject.TrainingUnits(s.text, s.mode)
		for _, u := range units {
			s.units = append(s.units, u.Features)
		}
		s.phrase = phrase
		h := fnv.New32a()
		io.WriteString(h, s.text)
		s.fold = int(h.Sum32() % folds)
	}

	// Out-of-fold scores choose the threshold and estimate recall and
	// false positives on unseen text.
	oof := make([]float64, len(samples))
	for f := 0; f < folds; f++ {
		var train []*sample
		for i := range samples {
			if samples[i].fold != f {
				train = append(train, &samples[i])
			}
		}
		m := fit(train, p)
		for i := range samples {
			if samples[i].fold == f {
				oof[i] = m.bagScore(&samples[i])
			}
		}
	}
	thr := chooseThreshold(samples, oof, p.fpRate)
	if p.verbose {
		printCurve(samples, oof, thr)
	}
	st := stats(samples, oof, thr)

	all := make([]*sample, len(samples))
	for i := range samples {
		all[i] = &samples[i]
	}
	m := fit(all, p)
	final := make([]float64, len(samples))
	for i := range samples {
		final[i] = m.bagScore(&samples[i])
	}
	fst := stats(samples, final, thr)
	return &result{samples: samples, oof: oof, thr: thr, model: m, oofStats: st, fitStats: fst,
		src: generate(m, thr, st, fst, sourceCounts(samples))}, nil
}

// printCurve prints what -v shows about the threshold.
func printCurve(samples []sample, oof []float64, thr float64) {
	type sc struct {
		z float64
		i int
	}
	var neg []sc
	for i, s := range samples {
		if !s.attack {
			neg = append(neg, sc{oof[i], i})
		}
	}
	sort.Slice(neg, func(a, b int) bool { return neg[a].z > neg[b].z })
	fmt.Fprintf(os.Stderr, "threshold %.3f; highest benign out of fold:\n", thr)
	for _, n := range neg[:min(12, len(neg))] {
		fmt.Fprintf(os.Stderr, "  %6.2f %-14s %.100q\n", n.z, samples[n.i].source, samples[n.i].text)
	}
	var pos []float64
	for i, s := range samples {
		if s.attack && len(s.units) > 0 && !s.phrase {
			pos = append(pos, oof[i])
		}
	}
	sort.Float64s(pos)
	fmt.Fprintf(os.Stderr, "attacks the phrase tables miss, out-of-fold score quantiles:")
	for _, q := range []float64{0.1, 0.25, 0.5, 0.75, 0.9} {
		fmt.Fprintf(os.Stderr, " %.2f", pos[int(q*float64(len(pos)))])
	}
	fmt.Fprintln(os.Stderr)
	fmt.Fprintln(os.Stderr, "threshold curve (out of fold): threshold, attacks the phrase tables miss caught, benign flagged")
	for _, t := range []float64{-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3} {
		c, b := 0, 0
		for i, s := range samples {
			if oof[i] >= t && !s.phrase {
				if s.attack {
					c++
				} else {
					b++
				}
			}
		}
		fmt.Fprintf(os.Stderr, "  %5.1f %4d/%d %4d\n", t, c, len(pos), b)
	}
}

const folds = 5

func fail(err error) {
	fmt.Fprintln(os.Stderr, "injecttrain:", err)
	os.Exit(1)
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// load reads every training source.
func load(root, bipia, presidio string) ([]sample, error) {
	var out []sample
	add := func(text string, attack bool, mode inject.Mode, source string) {
		if strings.TrimSpace(text) != "" {
			out = append(out, sample{text: text, attack: attack, mode: mode, source: source})
		}
	}

	// The team's set, even ids only.
	f, err := os.Open(filepath.Join(root, "testdata/guard/cases.jsonl"))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() {
		var c struct {
			ID        string `json:"id"`
			Text      string `json:"text"`
			Injection *bool  `json:"injection"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("cases.jsonl: %w", err)
		}
		n, ok := idNumber(c.ID)
		if !ok {
			return nil, fmt.Errorf("cases.jsonl: id %q has no number", c.ID)
		}
		if n%2 != 0 || c.Injection == nil {
			continue // the odd ids are held out
		}
		add(c.Text, *c.Injection, inject.Prompt, "team-even")
	}
	f.Close()
	if err := sc.Err(); err != nil {
		return nil, err
	}

	// The detector's own corpora.
	dir := filepath.Join(root, "internal/guard/inject")
	for _, fc := range []struct {
		name   string
		attack bool
	}{
		{"family_attacks.txt", true}, {"family_benign.txt", false},
		{"train_attacks.txt", true}, {"train_benign.txt", false},
	} {
		lines, err := readLines(filepath.Join(dir, "testdata", fc.name))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			add(l, fc.attack, inject.Prompt, strings.TrimSuffix(fc.name, ".txt"))
		}
	}
	for _, gl := range []struct {
		file, name string
		attack     bool
	}{
		{"corpus_test.go", "attackPrompts", true}, {"corpus_test.go", "benignPrompts", false},
		{"heldout_test.go", "heldoutAttacks", true}, {"heldout_test.go", "heldoutBenign", false},
	} {
		texts, err := goStrings(filepath.Join(dir, gl.file), gl.name)
		if err != nil {
			return nil, err
		}
		for _, t := range texts {
			add(t, gl.attack, inject.Prompt, gl.name)
		}
	}

	// Written benign prose, in both modes.
	lines, err := readLines(filepath.Join(dir, "testdata", "train_prose.txt"))
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		add(l, false, inject.Prompt, "train_prose")
		add(l, false, inject.Content, "train_prose")
	}

	// Benign prose, in both modes: one e-mail per paragraph.
	data, err := os.ReadFile(filepath.Join(root, "internal/guard/detect/testdata/prose.txt"))
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(string(data), "\n\n") {
		add(p, false, inject.Prompt, "prose")
		add(p, false, inject.Content, "prose")
	}

	// Technical prose, in both modes: the documentation of modules
	// Palisade is built with.
	docs, err := moduleDocs(root)
	if err != nil {
		return nil, err
	}
	for _, p := range docs {
		add(p, false, inject.Prompt, "moddocs")
		add(p, false, inject.Content, "moddocs")
	}

	if presidio != "" {
		data, err := os.ReadFile(presidio)
		if err != nil {
			return nil, err
		}
		var recs []struct {
			Text string `json:"full_text"`
		}
		if err := json.Unmarshal(data, &recs); err != nil {
			return nil, fmt.Errorf("%s: %w", presidio, err)
		}
		for _, r := range recs {
			add(r.Text, false, inject.Prompt, "presidio")
		}
	}

	if bipia != "" {
		for _, file := range []string{"text_attack_train.json", "code_attack_train.json"} {
			data, err := os.ReadFile(filepath.Join(bipia, file))
			if err != nil {
				return nil, err
			}
			var m map[string][]string
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			cats := make([]string, 0, len(m))
			for c := range m {
				cats = append(cats, c)
			}
			sort.Strings(cats)
			for _, c := range cats {
				for i, a := range m[c] {
					if i%2 == 0 { // the odd indexes are BIPIA's held-out half
						add(a, true, inject.Content, "bipia-even")
					}
				}
			}
		}
	}
	return out, nil
}

// idNumber returns the number at the end of an id such as "inj-0042".
func idNumber(id string) (int, bool) {
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.Atoi(id[i+1:])
	return n, err == nil
}

// readLines reads a corpus file: one text per line, "\n" for a line break.
func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.ReplaceAll(l, `\n`, "\n"))
		}
	}
	return out, nil
}

// goStrings returns the string literals of the package-level variable
// name in a Go file: the elements of a []string, or the last string of
// each element of a slice of structs. Elements that are not literals
// (calls) are skipped.
func goStrings(path, name string) ([]string, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	found := false
	lit := func(e ast.Expr) (string, bool) {
		switch x := e.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				s, err := strconv.Unquote(x.Value)
				return s, err == nil
			}
		case *ast.BinaryExpr:
			// "a" + "b"
			l, ok1 := litString(x.X)
			r, ok2 := litString(x.Y)
			return l + r, ok1 && ok2 && x.Op == token.ADD
		}
		return "", false
	}
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != name || i >= len(vs.Values) {
					continue
				}
				cl, ok := vs.Values[i].(*ast.CompositeLit)
				if !ok {
					return nil, fmt.Errorf("%s: %s is not a composite literal", path, name)
				}
				found = true
				for _, el := range cl.Elts {
					if inner, ok := el.(*ast.CompositeLit); ok {
						if len(inner.Elts) == 0 {
							continue
						}
						if s, ok := lit(inner.Elts[len(inner.Elts)-1]); ok {
							out = append(out, s)
						}
						continue
					}
					if s, ok := lit(el); ok {
						out = append(out, s)
					}
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: no variable %s", path, name)
	}
	return out, nil
}

func litString(e ast.Expr) (string, bool) {
	if x, ok := e.(*ast.BasicLit); ok && x.Kind == token.STRING {
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	}
	if x, ok := e.(*ast.BinaryExpr); ok && x.Op == token.ADD {
		l, ok1 := litString(x.X)
		r, ok2 := litString(x.Y)
		return l + r, ok1 && ok2
	}
	return "", false
}

// model is a linear model over the hashed features.
type model struct {
	w     []float64
	bias  float64
	scale float64 // of the int8 weights
}

func (m *model) score(f []uint32) float64 {
	z := m.bias
	for _, id := range f {
		z += m.w[id]
	}
	return z
}

// bagScore is the highest score of the text's sentences (-inf for none).
func (m *model) bagScore(s *sample) float64 {
	best := math.Inf(-1)
	for _, u := range s.units {
		best = math.Max(best, m.score(u))
	}
	return best
}

// instance is one sentence given to the regression.
type instance struct {
	f      []uint32
	y      float64
	weight float64
}

// fit trains the multiple-instance logistic regression on samples.
func fit(samples []*sample, p params) *model {
	m := &model{w: make([]float64, inject.ModelFeatures)}
	var npos, nneg float64
	for _, s := range samples {
		if len(s.units) == 0 {
			continue
		}
		if s.attack {
			npos++
		} else {
			nneg++
		}
	}
	// Benign texts weigh as much in total as the attacks, times two: a
	// false positive costs more than a miss.
	negW := p.negWeight * npos / math.Max(nneg, 1)
	const rounds = 4
	for r := 0; r < rounds; r++ {
		var inst []instance
		for _, s := range samples {
			if len(s.units) == 0 {
				continue
			}
			if !s.attack {
				for _, u := range s.units {
					inst = append(inst, instance{u, 0, negW / float64(len(s.units)) * math.Min(float64(len(s.units)), 3)})
				}
				continue
			}
			if r == 0 {
				for _, u := range s.units {
					inst = append(inst, instance{u, 1, 1 / float64(len(s.units))})
				}
				continue
			}
			best, bi := math.Inf(-1), 0
			for i, u := range s.units {
				if z := m.score(u); z > best {
					best, bi = z, i
				}
			}
			inst = append(inst, instance{s.units[bi], 1, 1})
		}
		train(m, inst, p)
	}
	m.quantize()
	return m
}

// quantize rounds the weights to the int8 steps the detector stores
// (weight = q * scale), so that every score the generator computes is the
// detector's.
func (m *model) quantize() {
	var top float64
	for _, w := range m.w {
		top = math.Max(top, math.Abs(w))
	}
	m.scale = top / 127
	if m.scale == 0 {
		m.scale = 1
	}
	// The scale is written with 6 significant digits; use that value.
	m.scale, _ = strconv.ParseFloat(strconv.FormatFloat(m.scale, 'g', 6, 64), 64)
	for i, w := range m.w {
		q := math.Round(w / m.scale)
		q = math.Max(-127, math.Min(127, q))
		m.w[i] = q * m.scale
	}
}

// train runs full-batch gradient descent with Adagrad steps on the
// weighted logistic loss plus an L2 penalty.
func train(m *model, inst []instance, p params) {
	iters, rate := p.iters, p.rate
	grad := make([]float64, len(m.w))
	hist := make([]float64, len(m.w))
	var bh float64
	var total float64
	for _, in := range inst {
		total += in.weight
	}
	for it := 0; it < iters; it++ {
		for i := range grad {
			grad[i] = 0
		}
		var bg float64
		for _, in := range inst {
			p := 1 / (1 + math.Exp(-m.score(in.f)))
			g := (p - in.y) * in.weight / total
			bg += g
			for _, id := range in.f {
				grad[id] += g
			}
		}
		for i := range m.w {
			l := p.lambda
			if i >= inject.ModelVocabulary {
				l *= p.vocabMul
			}
			g := grad[i] + l*m.w[i]
			if g == 0 {
				continue
			}
			hist[i] += g * g
			m.w[i] -= rate * g / (math.Sqrt(hist[i]) + 1e-8)
		}
		bh += bg * bg
		m.bias -= rate * bg / (math.Sqrt(bh) + 1e-8)
	}
	if p.verbose {
		var loss float64
		for _, in := range inst {
			z := m.score(in.f)
			if in.y == 1 {
				loss += in.weight * math.Log1p(math.Exp(-z))
			} else {
				loss += in.weight * math.Log1p(math.Exp(z))
			}
		}
		fmt.Fprintf(os.Stderr, "loss %.4f over %d instances\n", loss/total, len(inst))
	}
}

// chooseThreshold returns the lowest score threshold at which at most
// rate of the hard benign texts score at or above it (out of fold). Hard
// benign texts are the written ones, in Prompt mode: the team's cases,
// the corpora's hard negatives and the written prose; Presidio's
// sentences and the e-mail prose are too easy to say much about false
// positives.
func chooseThreshold(samples []sample, scores []float64, rate float64) float64 {
	var neg []float64
	for i, s := range samples {
		if hardBenign(s) {
			neg = append(neg, scores[i])
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(neg)))
	allowed := int(rate * float64(len(neg)))
	// The threshold sits just above the (allowed+1)-th highest benign score.
	thr := neg[min(allowed, len(neg)-1)] + 1e-6
	if math.IsInf(thr, -1) {
		thr = 0
	}
	return thr
}

// hardBenign reports whether s is a hard benign text (see chooseThreshold).
func hardBenign(s sample) bool {
	return !s.attack && s.mode == inject.Prompt && s.source != "presidio" && s.source != "prose" && s.source != "moddocs"
}

// rates are recall and false positives at a threshold.
type rates struct {
	attacks, caught, reachable int
	benign, flagged            int
	bySource                   map[string][3]int // caught or flagged; by the phrase tables alone; total
}

func (r rates) String() string {
	s := fmt.Sprintf("with the phrase tables: attacks %d, flagged %d (%.3f; %d have a scored sentence); benign %d, flagged %d (%.4f)",
		r.attacks, r.caught, float64(r.caught)/float64(max(r.attacks, 1)), r.reachable,
		r.benign, r.flagged, float64(r.flagged)/float64(max(r.benign, 1)))
	keys := make([]string, 0, len(r.bySource))
	for k := range r.bySource {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := r.bySource[k]
		s += fmt.Sprintf("\n    %-44s %4d / %4d  (phrase tables alone %d)", k, v[0], v[2], v[1])
	}
	return s
}

func stats(samples []sample, scores []float64, thr float64) rates {
	r := rates{bySource: map[string][3]int{}}
	for i, s := range samples {
		flagged := scores[i] >= thr || s.phrase
		key := s.source
		if s.attack {
			key += " (attacks caught)"
			r.attacks++
			if len(s.units) > 0 {
				r.reachable++
			}
			if flagged {
				r.caught++
			}
		} else {
			key += " (benign flagged)"
			if s.mode == inject.Content {
				key = "content: " + key
			}
			r.benign++
			if flagged {
				r.flagged++
			}
		}
		v := r.bySource[key]
		v[2]++
		if flagged {
			v[0]++
		}
		if s.phrase {
			v[1]++
		}
		r.bySource[key] = v
	}
	return r
}

func sourceCounts(samples []sample) string {
	type c struct{ a, b int }
	m := map[string]*c{}
	for _, s := range samples {
		k := s.source
		if s.mode == inject.Content {
			k += " (content)"
		}
		if m[k] == nil {
			m[k] = &c{}
		}
		if s.attack {
			m[k].a++
		} else {
			m[k].b++
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "//   %-28s %4d attacks, %4d benign\n", k, m[k].a, m[k].b)
	}
	return b.String()
}

// generate writes the model as Go source. The threshold is folded into
// the bias so that the detector flags a sentence at a score of 0.
func generate(m *model, thr float64, oof, fin rates, counts string) []byte {
	var b strings.Builder
	b.WriteString("// Code generated by go run ./scripts/injecttrain; DO NOT EDIT.\n\n")
	b.WriteString("package inject\n\n")
	b.WriteString("// The weights of the scoring layer (score.go), trained by\n")
	b.WriteString("// scripts/injecttrain on these texts:\n//\n")
	b.WriteString(counts)
	fmt.Fprintf(&b, "//\n// Out of fold (5 folds), at the threshold: %s.\n",
		strings.ReplaceAll(oof.short(), "\n", "\n// "))
	fmt.Fprintf(&b, "// On the training data: %s.\n\n", fin.short())
	fmt.Fprintf(&b, "// modelBias is the bias with the decision threshold (%.4f) folded in.\n", thr)
	fmt.Fprintf(&b, "const modelBias = %s\n\n", fmtFloat(m.bias-thr))
	b.WriteString("// modelScale is the value of one step of the int8 weights.\n")
	fmt.Fprintf(&b, "const modelScale = %s\n\n", strconv.FormatFloat(m.scale, 'g', 6, 64))
	b.WriteString("// modelSparse lists the non-zero weights by feature id, in steps of\n// modelScale.\n")
	b.WriteString("var modelSparse = []modelWeight{\n")
	for id, w := range m.w {
		q := int(math.Round(w / m.scale))
		if q == 0 {
			continue
		}
		fmt.Fprintf(&b, "\t{%d, %d},\n", id, q)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

func (r rates) short() string {
	return fmt.Sprintf("recall %d/%d, benign flagged %d/%d", r.caught, r.attacks, r.flagged, r.benign)
}

func fmtFloat(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}
