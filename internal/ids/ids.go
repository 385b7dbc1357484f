// Package ids makes the identifiers Palisade stores: conversations,
// messages and audit events.
//
// Identifiers are time-ordered: 48 bits of Unix milliseconds followed by
// 80 random bits, in hex. The random part makes them unguessable; the time
// prefix makes them sort by creation, so that a database index on them
// grows at its right edge instead of touching a random page per insert.
// On the write path that is the difference between one dirty index page
// per batch and one per row.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// New returns prefix followed by a new time-ordered identifier of 32 hex
// digits.
func New(prefix string) string { return at(prefix, time.Now()) }

// at returns the identifier New would return at time t.
func at(prefix string, t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	// crypto/rand.Read never returns an error and never short-reads.
	_, _ = rand.Read(b[6:])
	return prefix + hex.EncodeToString(b[:])
}
