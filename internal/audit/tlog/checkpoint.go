package tlog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Errors returned by Sign, Open and ParseCheckpoint; compare with errors.Is.
var (
	// ErrMalformedCheckpoint means the text is not a C2SP checkpoint (or
	// not a signed note at all).
	ErrMalformedCheckpoint = errors.New("tlog: malformed checkpoint")
	// ErrUnknownKey means no signature on the checkpoint is by a key the
	// caller trusts.
	ErrUnknownKey = errors.New("tlog: checkpoint not signed by a known key")
	// ErrBadSignature means a signature by a trusted key does not verify:
	// the checkpoint, or the signature, was altered.
	ErrBadSignature = errors.New("tlog: invalid checkpoint signature")
	// ErrWrongOrigin means the checkpoint is of another log.
	ErrWrongOrigin = errors.New("tlog: checkpoint of another log")
)

// Checkpoint is a tree head: the log it belongs to, its size and its root.
// Signed, it commits the log's operator to the first Size events.
type Checkpoint struct {
	// Origin names the log, uniquely: by convention a schema-less URL such
	// as "palisade.example.com/audit", also used as the signing key's name.
	Origin string
	// Size is the number of leaves (events) in the tree.
	Size int64
	// Hash is the root hash of the tree of the first Size leaves.
	Hash Hash
	// Extensions are optional extra body lines, in order, each non-empty
	// and without a line break. They are signed with the rest of the body;
	// Palisade may use them for a timestamp, for example.
	Extensions []string
}

// Marshal returns the checkpoint body in the C2SP tlog-checkpoint format:
// the origin, the size in decimal and the root hash in standard base64,
// then the extension lines, each line ending in a newline.
func (c Checkpoint) Marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Hash[:]))
	b.WriteByte('\n')
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// check reports whether c can be written as a checkpoint body.
func (c Checkpoint) check() error {
	if !validOrigin(c.Origin) {
		return fmt.Errorf("%w: origin %q", ErrMalformedCheckpoint, c.Origin)
	}
	if c.Size < 0 {
		return fmt.Errorf("%w: size %d", ErrMalformedCheckpoint, c.Size)
	}
	for _, e := range c.Extensions {
		if !validLine(e) {
			return fmt.Errorf("%w: extension line %q", ErrMalformedCheckpoint, e)
		}
	}
	return nil
}

// validOrigin reports whether s can be a log origin: non-empty text
// without spaces, control characters or "+" (C2SP recommends an origin
// that is also valid as a signed-note key name).
func validOrigin(s string) bool {
	return validLine(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '+' })
}

// validLine reports whether s can be one line of a note's text.
func validLine(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// ParseCheckpoint parses a checkpoint body (the text of the note, without
// signatures). It accepts only the canonical form Marshal writes: a size
// without leading zeros or sign, a 32-byte root in padded standard base64,
// non-empty extension lines, a final newline.
func ParseCheckpoint(body []byte) (Checkpoint, error) {
	text := string(body)
	if !strings.HasSuffix(text, "\n") || !utf8.ValidString(text) {
		return Checkpoint{}, fmt.Errorf("%w: not newline-terminated UTF-8 text", ErrMalformedCheckpoint)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want at least 3", ErrMalformedCheckpoint, len(lines))
	}
	c := Checkpoint{Origin: lines[0]}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: size %q", ErrMalformedCheckpoint, lines[1])
	}
	c.Size = size
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != len(c.Hash) {
		return Checkpoint{}, fmt.Errorf("%w: root hash %q", ErrMalformedCheckpoint, lines[2])
	}
	copy(c.Hash[:], h)
	if len(lines) > 3 {
		c.Extensions = lines[3:]
	}
	if err := c.check(); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}

// Sign returns ckpt as a signed note: the checkpoint body, a blank line and
// a signature line by signer (made with note.NewSigner from a key made by
// note.GenerateKey, an Ed25519 key).
func Sign(ckpt Checkpoint, signer note.Signer) ([]byte, error) {
	body, err := ckpt.Marshal()
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(body)}, signer)
	if err != nil {
		return nil, fmt.Errorf("tlog: sign checkpoint: %w", err)
	}
	return msg, nil
}

// Open verifies a signed checkpoint and returns it. It refuses a note that
// no key in verifiers signed (ErrUnknownKey), one with a signature by a
// trusted key that does not verify (ErrBadSignature), a body that is not a
// checkpoint (ErrMalformedCheckpoint), and a checkpoint of a log other than
// origin (ErrWrongOrigin). Signatures by other keys (a witness's cosignature,
// say) are ignored, as C2SP signed-note requires, provided one trusted key
// signed.
//
// The expected origin is a parameter, not taken from the key's name: a
// verifier must know which log it is checking, or a valid checkpoint of
// another log signed by the same key would pass.
func Open(msg []byte, origin string, verifiers note.Verifiers) (Checkpoint, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		var unknown *note.UnknownVerifierError
		switch {
		case errors.As(err, &unverified), errors.As(err, &unknown):
			return Checkpoint{}, fmt.Errorf("%w: %w", ErrUnknownKey, err)
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w: %w", ErrBadSignature, err)
		default:
			return Checkpoint{}, fmt.Errorf("%w: %w", ErrMalformedCheckpoint, err)
		}
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, want %q", ErrWrongOrigin, c.Origin, origin)
	}
	return c, nil
}
