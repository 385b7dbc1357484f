package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// AppendMessage adds m to its conversation's transcript and returns it as
// stored, with the next Seq. It is a batch of one record for
// CommitRecords: the conversation's message counter is bumped with
// UPDATE … RETURNING and the message inserted in one transaction; the row
// lock makes concurrent appends take turns, so Seqs are consecutive, and a
// failed append consumes none. Returns store.ErrNotFound if the
// conversation does not exist, store.ErrAlreadyExists if m.ID is taken in
// that conversation.
func (s *Store) AppendMessage(ctx context.Context, m store.Message) (store.Message, error) {
	out, f := s.commitRecords(ctx, []store.Record{{Messages: []store.Message{m}}})
	if f != nil {
		return store.Message{}, fmt.Errorf("postgres: %w", f.err)
	}
	return out[0].Messages[0], nil
}

// ListMessages returns up to limit messages of the conversation with
// Seq > afterSeq, in Seq order; limit <= 0 means no limit. Returns
// store.ErrNotFound if the conversation does not exist.
func (s *Store) ListMessages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]store.Message, error) {
	var lim *int // NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	// One statement, so one snapshot: no rows at all means no
	// conversation; a conversation without (further) messages yields one
	// row of NULLs.
	rows, err := s.pool.Query(ctx, `SELECT m.seq, m.id, m.role, m.sender, m.text, m.payload, m.created_at
		FROM conversations c
		LEFT JOIN LATERAL (
			SELECT * FROM messages
			WHERE conversation_id = c.id AND seq > $2
			ORDER BY seq LIMIT $3
		) m ON true
		WHERE c.id = $1
		ORDER BY m.seq`, conversationID, afterSeq, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: list messages of conversation %q: %w", conversationID, mapErr(err))
	}
	defer rows.Close()
	found := false
	var ms []store.Message
	for rows.Next() {
		found = true
		var seq *int64
		var id, role, sender, text *string
		var payload []byte
		var created *time.Time
		if err := rows.Scan(&seq, &id, &role, &sender, &text, &payload, &created); err != nil {
			return nil, fmt.Errorf("postgres: list messages of conversation %q: %w", conversationID, mapErr(err))
		}
		if seq == nil {
			continue
		}
		ms = append(ms, store.Message{
			ConversationID: conversationID,
			Seq:            *seq,
			ID:             *id,
			Role:           *role,
			From:           *sender,
			Text:           *text,
			Payload:        blob(payload),
			CreatedAt:      created.UTC(),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list messages of conversation %q: %w", conversationID, mapErr(err))
	}
	if !found {
		return nil, fmt.Errorf("postgres: list messages of conversation %q: %w", conversationID, store.ErrNotFound)
	}
	return ms, nil
}
