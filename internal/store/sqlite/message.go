package sqlite

import (
	"context"
	"fmt"

	"github.com/palisade-gw/palisade/internal/store"
)

// AppendMessage adds m to its conversation's transcript and returns it as
// stored, with the next Seq. It is a batch of one record for
// CommitRecords: the conversation's message counter is bumped and the
// message inserted in one write transaction, so Seqs are consecutive, and
// a failed append consumes none. Returns store.ErrNotFound if the
// conversation does not exist, store.ErrAlreadyExists if m.ID is taken in
// that conversation.
func (s *Store) AppendMessage(ctx context.Context, m store.Message) (store.Message, error) {
	out, f := s.commitRecords(ctx, []store.Record{{Messages: []store.Message{m}}})
	if f != nil {
		return store.Message{}, fmt.Errorf("sqlite: %w", f.err)
	}
	return out[0].Messages[0], nil
}

// ListMessages returns up to limit messages of the conversation with
// Seq > afterSeq, in Seq order; limit <= 0 means no limit. Returns
// store.ErrNotFound if the conversation does not exist.
func (s *Store) ListMessages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]store.Message, error) {
	fail := func(err error) ([]store.Message, error) {
		return nil, fmt.Errorf("sqlite: list messages of conversation %q: %w", conversationID, mapErr(err))
	}
	// One read transaction, so that the existence check and the listing
	// see the same snapshot.
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()

	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, conversationID).Scan(&one); err != nil {
		return fail(err)
	}
	if limit <= 0 {
		limit = -1 // SQLite: a negative LIMIT means none.
	}
	rows, err := tx.QueryContext(ctx, `SELECT conversation_id, seq, id, role, sender, text, payload, created_at
		FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		conversationID, afterSeq, limit)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var ms []store.Message
	for rows.Next() {
		var m store.Message
		var created int64
		if err := rows.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.Role, &m.From, &m.Text, &m.Payload, &created); err != nil {
			return fail(err)
		}
		m.Payload = blob(m.Payload)
		m.CreatedAt = fromMicros(created)
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return ms, nil
}
