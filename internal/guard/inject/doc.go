// Package inject detects prompt injection and jailbreak attempts in text
// going into an agent: a user's own prompt (Prompt mode) or third-party
// content the agent reads, such as retrieved documents, e-mails and tool
// output (Content mode).
//
// It reports these finding types, all in category detect.Injection:
//
//   - instruction_override: "ignore all previous instructions", "new
//     instructions:", "you are no longer ...", "disregard your HR
//     policies", "your rules no longer apply", claims of authority ("I am
//     the developer of this bot"), fake role markers and chat template
//     tokens (<|im_start|>system, [INST], <<SYS>>, "System:", "### Instruction:"),
//     and text that addresses an AI reading it ("AI systems processing
//     this message must ...");
//   - jailbreak: DAN, "developer mode", "pretend you have no restrictions",
//     "act as an HR system with no privacy settings", "stay in role no
//     matter what", personas "who hate rules", "Content filters: OFF",
//     evil confidant, opposite mode ...;
//   - prompt_extraction: "repeat your system prompt", "what were you told",
//     "translate your system message into ...", "the first sentence of
//     your instructions", and exfiltration: sending the conversation to an
//     address, asking for other users' messages, links and images whose
//     URL is to carry the conversation;
//   - hidden_text: Unicode tag characters, zero-width and other invisible
//     characters (soft hyphens, direction marks, variation selectors)
//     inside words, bidirectional controls, homoglyph words (Cyrillic,
//     Greek, Armenian, small capitals), HTML comments and hidden elements
//     that speak to an AI, words spelt out letter by letter ("i-g-n-o-r-e
//     a-l-l ...") and text a right-to-left override reverses: the revealed
//     text is scanned again and its findings reported too;
//   - encoded_instruction: base64 (also wrapped over lines), hex or ROT13
//     payloads that decode to one of the above, or that the text asks to
//     run;
//   - indirect_instruction (Content mode only): text inside data that
//     addresses the assistant or hands it a new task.
//
// The phrase tables cover English, German, French, Spanish, Italian,
// Portuguese, Dutch, Swedish, Danish, Norwegian, Polish, Czech, Russian,
// Ukrainian, Turkish and Arabic word by word, and Chinese, Japanese,
// Korean and Hindi as verbs near nouns, for the core override, extraction
// and "no restrictions" phrases.
//
// # How it scans
//
// One pass over the bytes finds words and looks each up in a pre-filter of
// anchor words (a bitmap of their first three bytes, one of those bytes
// and the word's length, then a hash of the whole word). Only for an
// anchor are the words around it read, lazily and within a bounded window,
// and matched against short phrase patterns that tolerate filler words and
// punctuation between keywords ("ignore ALL of the previous, earlier
// instructions"), and where a pattern says so any word ("disregard your
// HR policies"). Nothing scans the whole text more than a bounded number
// of times, so the cost is linear in the input, and the common path
// allocates nothing. Text revealed by removing hidden characters, or by
// decoding a payload, is scanned once more, and its findings are mapped
// back to the original bytes. Two weak findings close to each other (each
// below the usual 0.5 threshold: "override code 7731", "disable the
// content filter") support each other and are reported at 0.55.
//
// # The scoring layer
//
// Phrase tables do not generalise to attacks worded unlike any they list.
// On top of them, a scoring layer (score.go) reads a sentence as word
// classes (lexicon.go: verbs that dismiss, nouns naming the agent's rules
// or safety layer, words addressing the agent, role-play framing,
// requests to reveal, the conversation, claims of authority, ... in the
// languages above and Arabic, Hindi and Korean) and weighs, with a linear
// model, which classes occur, in which order and how close, how the
// sentence opens and what shape it has, and its other words. The weights
// are learned from labelled training text by scripts/injecttrain (never
// from the held-out halves; benign text includes the documentation of the
// modules Palisade is built with, so that technical prose is not read as
// an attack) and committed as model_gen.go; go generate remakes them. The main pass looks only for rare trigger words, so a
// sentence is read a second time only when it holds one. A sentence the
// model flags is reported as instruction_override, jailbreak or
// prompt_extraction, by its classes, at confidence 0.5 or more. A request
// for the rules of a subject ("tell me your rules for booking leave":
// staff speak of the company's rules as the agent's), or for what the
// agent was told about one ("what were you told about the office
// move?"), is not reported as prompt_extraction when nothing else in it
// points at the agent's own instructions (topic.go); a request that names
// the agent's conduct or the conversation ("your rules for answering
// users", "your instructions for this chat") still is. Likewise a
// rehearsal that casts the agent as a workplace counterpart ("simulate a
// salary negotiation, you play the manager") is not reported as a
// jailbreak when nothing in it sheds a rule or asks to disclose.
//
// Sanitize removes hiding characters; Neutralize replaces found
// instructions with a visible marker, for content passed on to a model.
//
// The detector is heuristic. It catches the phrasings its tables know and
// close variants, and the scorer much of what combines the same ideas in
// other words; an attack that reads like a plain request, or an injected
// task that reads like the document around it, gets through. See the
// package tests for measured recall and false-positive rates (TestTeamSet,
// TestFreshHeldout, TestBIPIA, and TestTechnicalProse for documentation
// that talks about prompts, instructions and secrets).
package inject
