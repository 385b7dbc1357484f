// Package tlog makes Palisade's audit log tamper-evident: the audit events,
// in Seq order, are the leaves of an append-only Merkle tree hashed as in
// RFC 6962, and signed checkpoints of that tree, copied to places outside
// the database, let anyone check later that no stored event was edited,
// deleted, inserted, reordered or truncated, and that the database was not
// rolled back to an older copy.
//
// The package is a self-contained library: it holds no state beyond what
// its caller hands it, and it does no I/O. The store keeps the events (and,
// later, the tree's hashes), a checkpoint writer signs and publishes
// checkpoints, and the CLI runs Verify. The hashing, proofs and signed notes
// come from golang.org/x/mod/sumdb/tlog and golang.org/x/mod/sumdb/note, the
// implementations behind the Go checksum database; this package only adds
// the audit-specific parts: the leaf encoding of an event, the checkpoint
// body, and the rules that turn a mismatch into a diagnosis.
//
// # Tree
//
// Leaf i (from 0) of the tree is the event with Seq i+1: the store numbers
// events from 1 without gaps. Its leaf hash is SHA-256(0x00 ‖ EncodeEvent(ev))
// and interior nodes are SHA-256(0x01 ‖ left ‖ right), so any RFC 6962
// implementation (Certificate Transparency, Sigstore, Trillian) computes the
// same roots and can check the proofs this package produces.
//
// # Checkpoints
//
// A checkpoint is the C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint)
//
//	<origin>
//	<tree size, decimal>
//	<root hash, base64>
//	[extension lines]
//
// signed as a C2SP signed note (https://c2sp.org/signed-note) with an
// Ed25519 key. The origin names the log (for example
// "palisade.example.com/audit") and by convention is also the key's name.
//
// # Verification rules
//
// Verify reads the events in the order the store returns them and reports
// the first problem the data proves, as a *TamperError with a Kind:
//
//   - Seq numbers are checked as they stream, so these are exact. A Seq
//     larger than expected is a gap: if a missing Seq turns up within the
//     next 1024 events, the events are out of order (KindReordered, at the
//     first missing Seq), else they were deleted (KindDeleted, First..Last
//     the missing Seqs). A Seq equal to the previous one, or below 1, means
//     an event was inserted (KindInserted). A Seq smaller than expected
//     otherwise means the events are out of order (KindReordered). The
//     stores return events ordered by Seq, so gaps and repeats are what a
//     tampered database shows; reorders show in exported copies.
//   - Every checkpoint whose size the log reaches is compared with the root
//     recomputed at that size. A mismatch while the Seqs are intact means an
//     event's content was changed (KindEdited): an edited field, or rows
//     deleted, inserted or swapped and then renumbered to hide it (the Seq is
//     part of the leaf, so renumbering changes every leaf after the change).
//     The event is somewhere after the last checkpoint that matched and at
//     or before the one that did not; TamperError reports that range. When
//     the caller supplies the stored tree hashes (Options.Stored) and they
//     reproduce the failed checkpoint's root, they are authentic, and the
//     first leaf that differs from them is the exact event.
//   - A log shorter than a checkpoint, every checkpoint it reaches matching,
//     is a prefix of the signed log. If a checkpoint kept in the database
//     itself is larger, rows were cut off the end (KindTruncated): the
//     database contradicts itself. If only checkpoints kept outside the
//     database are larger, the database is a consistent older copy
//     (KindRolledBack): it was restored from a backup, or truncated along
//     with its own checkpoints, which the data cannot tell apart.
//   - A database rolled back and then written to again (a fork) shows as
//     KindEdited from the fork point, against the external checkpoint.
//   - Two checkpoints of the same size with different roots mean the signing
//     key signed two histories (KindConflict): the key is compromised or
//     two writers share it.
//
// Events after the largest checkpoint are not covered by any signature yet:
// Report.Unsigned counts them. They become tamper-evident once the next
// checkpoint is made.
package tlog
