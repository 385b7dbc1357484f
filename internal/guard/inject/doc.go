// Package inject detects prompt injection and jailbreak attempts in text
// going into an agent: a user's own prompt (Prompt mode) or third-party
// content the agent reads, such as retrieved documents, e-mails and tool
// output (Content mode).
//
// It reports these finding types, all in category detect.Injection:
//
//   - instruction_override: "ignore all previous instructions", "new
//     instructions:", "you are no longer ...", fake role markers and chat
//     template tokens (<|im_start|>system, [INST], <<SYS>>, "System:");
//   - jailbreak: DAN, "developer mode", "pretend you have no restrictions",
//     "stay in character", evil confidant, opposite mode ...;
//   - prompt_extraction: "repeat your system prompt", "what were you told",
//     "translate your instructions into ...";
//   - hidden_text: Unicode tag characters, zero-width characters inside
//     words, bidirectional controls, homoglyph words;
//   - encoded_instruction: base64, hex or ROT13 payloads that decode to one
//     of the above;
//   - indirect_instruction (Content mode only): text inside data that
//     addresses the assistant or hands it a new task.
//
// The phrase tables cover English, German, French, Spanish, Italian,
// Portuguese and Dutch, and Chinese, Japanese and Russian for the core
// override and extraction phrases.
//
// # How it scans
//
// One pass over the bytes finds words and looks each up in a pre-filter of
// anchor words (a bitmap of their first three bytes, then a hash of the
// whole word). Only for an anchor are the words around it read, lazily and
// within a bounded window, and matched against short phrase patterns that
// tolerate filler words and punctuation between keywords ("ignore ALL of
// the previous, earlier instructions"). Nothing scans the whole text more
// than a bounded number of times, so the cost is linear in the input, and
// the common path allocates nothing. Text revealed by removing hidden
// characters, or by decoding a payload, is scanned once more, and its
// findings are mapped back to the original bytes.
//
// Sanitize removes hiding characters; Neutralize replaces found
// instructions with a visible marker, for content passed on to a model.
//
// The detector is heuristic. It catches the phrasings its tables know and
// close variants; a paraphrase it has not seen, or an injected task that
// reads like the document around it, gets through. See the package tests
// for measured recall and false-positive rates.
package inject
