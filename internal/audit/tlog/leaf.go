package tlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/palisade-gw/palisade/internal/store"
)

// Hash is a SHA-256 hash of a leaf, a subtree or a whole tree. It is the
// x/mod tlog type, so hashes flow between this package and that one
// without conversion.
type Hash = tlog.Hash

// HashReader reads stored tree hashes by their stored hash index (see
// tlog.StoredHashIndex). It is the interface a store implements to let this
// package compute roots and proofs from hashes kept with the events instead
// of rehashing every event.
type HashReader = tlog.HashReader

// EncodingV1 is the first byte of a version 1 event encoding. A future
// encoding gets a new version byte, so that a leaf's bytes always say how
// they were made and an old log stays verifiable.
const EncodingV1 byte = 0x01

// ErrEncoding means an event cannot be encoded: a field is longer than a
// length prefix can describe.
var ErrEncoding = errors.New("tlog: event cannot be encoded")

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 ‖ entry).
func LeafHash(entry []byte) Hash { return tlog.RecordHash(entry) }

// EventHash returns the leaf hash of ev: LeafHash(EncodeEvent(ev)).
func EventHash(ev store.AuditEvent) (Hash, error) {
	b, err := AppendEvent(nil, ev)
	if err != nil {
		return Hash{}, err
	}
	return LeafHash(b), nil
}

// EncodeEvent returns the canonical encoding of ev, the bytes its leaf hash
// covers. See AppendEvent for the format.
func EncodeEvent(ev store.AuditEvent) ([]byte, error) { return AppendEvent(nil, ev) }

// AppendEvent appends the canonical version 1 encoding of ev to dst and
// returns the result. Reusing dst lets a verifier encode millions of events
// without allocating.
//
// The encoding is binary, not JSON, because tamper evidence needs exactly
// one encoding per event and a binary one has that by construction: there
// is no escaping, key order, number format or Unicode normalization to
// agree on, so an independent verifier in any language can reproduce it
// from this description alone. It is also cheap to compute.
//
//	version    1 byte   0x01
//	seq        8 bytes  big-endian two's complement int64
//	time       8 bytes  big-endian int64, Unix time in microseconds (UTC)
//	id         string
//	type       string
//	request_id string
//	outcome    string
//	actor      string
//	app        string
//	agent      string
//	data       string   the event's JSON exactly as stored
//
// where each string is a 4-byte big-endian length followed by that many
// bytes. Fields keep this order forever; a new field means a new version.
//
// The time is taken in microseconds because both stores keep microseconds:
// an event's hash must be the same before and after a round trip through
// the database. Finer digits are dropped (rounding towards the past). Data
// is hashed byte for byte, which is why the stores keep it as a blob and
// not as a re-serialized JSON type. A nil and an empty Data encode alike,
// as the stores do not tell them apart either.
func AppendEvent(dst []byte, ev store.AuditEvent) ([]byte, error) {
	dst = append(dst, EncodingV1)
	dst = binary.BigEndian.AppendUint64(dst, uint64(ev.Seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(ev.Time.UnixMicro()))
	for _, f := range [...]string{ev.ID, ev.Type, ev.RequestID, ev.Outcome, ev.Actor, ev.App, ev.Agent} {
		if uint64(len(f)) > math.MaxUint32 {
			return nil, fmt.Errorf("%w: event %d has a field of %d bytes", ErrEncoding, ev.Seq, len(f))
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(f)))
		dst = append(dst, f...)
	}
	if uint64(len(ev.Data)) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: event %d has %d bytes of data", ErrEncoding, ev.Seq, len(ev.Data))
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ev.Data)))
	dst = append(dst, ev.Data...)
	return dst, nil
}
