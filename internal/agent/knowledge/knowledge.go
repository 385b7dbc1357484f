package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// Defaults for Options fields left at zero.
const (
	// DefaultMaxSentences is how many sentences or list items an answer
	// quotes at most.
	DefaultMaxSentences = 3
	// DefaultMinScore is the BM25 score the best section must reach. It is
	// calibrated on the demo HR knowledge base: one distinctive word
	// matching clears it, a few common words do not.
	DefaultMinScore = 2.0
	// DefaultMinCoverage is the IDF-weighted fraction of the question's
	// words that the best section must contain.
	DefaultMinCoverage = 0.6
	// DefaultContactHint ends the reply given when nothing is found.
	DefaultContactHint = "Please contact HR directly."
	// DefaultStreamWords is how many words each streamed delta carries.
	DefaultStreamWords = 3
)

// Options tunes an Agent. The zero value gives the defaults above.
type Options struct {
	// MaxSentences is how many sentences or list items an answer quotes
	// at most.
	MaxSentences int
	// MinScore is the BM25 score the best section must reach for the agent
	// to answer at all.
	MinScore float64
	// MinCoverage (0 to 1) is the IDF-weighted share of the question's
	// words that the best section must contain.
	MinCoverage float64
	// ContactHint ends the no-answer reply, telling the user where to go
	// instead.
	ContactHint string
	// StreamWords is how many words each streamed delta carries.
	StreamWords int
	// Synonyms maps a question word, or a phrase of several words, to
	// words or phrases that the documents may use instead ("vacation" →
	// "annual leave", "time off" → "leave"). Nil means DefaultSynonyms; an
	// empty map turns synonyms off.
	Synonyms map[string][]string
}

// Agent is the built-in knowledge agent. It implements agent.Agent and is
// safe for concurrent use: its index is built once by New and only read.
type Agent struct {
	name string
	opts Options
	ix   *index
	syn  synonyms
}

var _ agent.Agent = (*Agent)(nil)

// New builds a knowledge agent named name over docs. The name appears in
// responses as the model and in the no-answer reply ("… in the <name>
// knowledge base"). Returns an error if name is empty, an option is out of
// range, or a synonym key is only stop words.
func New(name string, docs []Document, opts Options) (*Agent, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("knowledge: agent name is empty")
	}
	if opts.MaxSentences < 0 || opts.MinScore < 0 || opts.MinCoverage < 0 || opts.MinCoverage > 1 || opts.StreamWords < 0 {
		return nil, fmt.Errorf("knowledge: agent %q: options out of range (MaxSentences, MinScore and StreamWords must not be negative; MinCoverage must be between 0 and 1)", name)
	}
	if opts.MaxSentences == 0 {
		opts.MaxSentences = DefaultMaxSentences
	}
	if opts.MinScore == 0 {
		opts.MinScore = DefaultMinScore
	}
	if opts.MinCoverage == 0 {
		opts.MinCoverage = DefaultMinCoverage
	}
	if opts.ContactHint == "" {
		opts.ContactHint = DefaultContactHint
	}
	if opts.StreamWords == 0 {
		opts.StreamWords = DefaultStreamWords
	}
	if opts.Synonyms == nil {
		opts.Synonyms = DefaultSynonyms()
	}
	syn, err := compileSynonyms(opts.Synonyms)
	if err != nil {
		return nil, fmt.Errorf("knowledge: agent %q: %w", name, err)
	}
	opts.Synonyms = nil // compiled; do not keep the caller's map
	return &Agent{name: name, opts: opts, ix: buildIndex(docs), syn: syn}, nil
}

// Complete answers the last user message of req from the knowledge base,
// or by calling one of req.Tools when the question matches one of its
// intents (see matchTool). It returns an *apperr.Error wrapping ctx's
// error if ctx is done, and the error of req.CallTool as is.
func (a *Agent) Complete(ctx context.Context, req *agent.Request) (*agent.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(err)
	}
	return a.respond(ctx, req)
}

// Stream answers like Complete, emitting the answer a few words at a time.
// It stops with an *apperr.Error wrapping ctx's error as soon as ctx is
// done, and returns emit's error unchanged if emit fails.
func (a *Agent) Stream(ctx context.Context, req *agent.Request, emit func(agent.Delta) error) (*agent.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(err)
	}
	resp, err := a.respond(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, piece := range wordGroups(resp.Content, a.opts.StreamWords) {
		if err := ctx.Err(); err != nil {
			return nil, contextError(err)
		}
		if err := emit(agent.Delta{Content: piece}); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// maxQuestionBytes bounds how much of a question is read: questions are
// short, and a pasted document must not cost more than a question.
const maxQuestionBytes = 4 << 10

// respond builds the response to req. Tool answers have no citations.
func (a *Agent) respond(ctx context.Context, req *agent.Request) (*agent.Response, error) {
	if req == nil {
		req = &agent.Request{}
	}
	question := strings.TrimSpace(req.LastUserText())
	if len(question) > maxQuestionBytes {
		cut := maxQuestionBytes
		for cut > 0 && !utf8.RuneStart(question[cut]) {
			cut--
		}
		question = question[:cut]
	}
	groups, in := a.query(question)
	var content string
	var cites []agent.Citation
	if tool := a.matchTool(req.Tools, question); tool != nil {
		var err error
		if content, err = a.answerWithTool(ctx, req, tool); err != nil {
			return nil, err
		}
	} else if len(groups) == 0 {
		content = fmt.Sprintf("Please ask me a question, and I will look for the answer in the %s knowledge base.", a.name)
	} else if picks := a.answer(groups, in, req.Readable); len(picks) > 0 {
		content, cites = a.render(picks)
	} else {
		content = a.noAnswer()
	}
	finish := "stop"
	if req.MaxTokens > 0 && estimateTokens(content) > req.MaxTokens {
		content = firstWords(content, max(1, req.MaxTokens*3/4))
		finish = "length"
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += estimateTokens(m.Content)
	}
	completion := estimateTokens(content)
	return &agent.Response{
		Content:      content,
		Model:        a.name,
		FinishReason: finish,
		Citations:    cites,
		Usage:        agent.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion},
	}, nil
}

// noAnswer is the reply when the knowledge base has no answer.
func (a *Agent) noAnswer() string {
	return fmt.Sprintf("I couldn't find an answer to that in the %s knowledge base. %s", a.name, a.opts.ContactHint)
}

// contextError turns a context error into a refusal that still matches
// context.Canceled or context.DeadlineExceeded with errors.Is.
func contextError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, "The agent did not answer in time.")
	}
	return apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeUpstreamUnavail, "The answer was cancelled.")
}

// estimateTokens estimates a model's token count for s as four tokens for
// every three words, rounded up.
func estimateTokens(s string) int {
	return (len(strings.Fields(s))*4 + 2) / 3
}

// wordGroups splits s into pieces of n words each, every piece keeping the
// whitespace that follows its words, so that the pieces concatenate to s.
func wordGroups(s string, n int) []string {
	var pieces []string
	start, words := 0, 0
	inWord := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			if words == n {
				pieces = append(pieces, s[start:i])
				start, words = i, 0
			}
			words++
		}
		inWord = !space
	}
	if start < len(s) {
		pieces = append(pieces, s[start:])
	}
	return pieces
}

// firstWords returns s up to the end of its n-th word.
func firstWords(s string, n int) string {
	words := 0
	inWord := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			if words == n {
				return strings.TrimRightFunc(s[:i], unicode.IsSpace)
			}
			words++
		}
		inWord = !space
	}
	return s
}
