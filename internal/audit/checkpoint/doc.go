// Package checkpoint signs and publishes the checkpoints that make the
// audit log tamper-evident, and reads them back to verify the log.
//
// A Checkpointer tails the store's audit events in Seq order, appends them
// to an in-memory tlog.Tree, and every so many events (or so often, while
// new events arrive) signs a checkpoint of the tree with an Ed25519 key kept
// in the store (KeyName). Before signing it checks that the tree extends
// the newest checkpoint already stored (and the newest in its directory),
// so it never signs a second history: it refuses, and logs loudly, if the
// events were changed under it. The checkpoint goes to the store
// (AddCheckpoint) and, when a directory is configured, to
// <dir>/<size>.checkpoint, a copy that survives a rollback of the
// database.
//
// Several replicas may run a Checkpointer on one store: a tree's root is a
// function of the events, Ed25519 signatures are deterministic, and
// AddCheckpoint is idempotent, so replicas that sign the same size store the
// same bytes.
//
// Verify streams every event into tlog.VerifyWith with the stored
// checkpoints and those of a directory; see internal/audit/tlog for what
// it detects.
package checkpoint
