package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

// AppendMessage adds m to its conversation's transcript and returns it as
// stored, with the next Seq. The conversation's message counter is bumped
// with UPDATE … RETURNING and the message inserted in one transaction; the
// row lock makes concurrent appends take turns, so Seqs are consecutive,
// and a failed append consumes none. Returns store.ErrNotFound if the
// conversation does not exist, store.ErrAlreadyExists if m.ID is taken in
// that conversation.
func (s *Store) AppendMessage(ctx context.Context, m store.Message) (store.Message, error) {
	if m.ID == "" {
		return store.Message{}, errors.New("postgres: append message: empty ID")
	}
	m.Payload = blob(m.Payload)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE conversations SET last_message_seq = last_message_seq + 1
			WHERE id = $1 RETURNING last_message_seq`, m.ConversationID).Scan(&m.Seq); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO messages
			(conversation_id, seq, id, role, sender, text, payload, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			m.ConversationID, m.Seq, m.ID, m.Role, m.From, m.Text, m.Payload, m.CreatedAt)
		return err
	})
	if err != nil {
		return store.Message{}, fmt.Errorf("postgres: append message %q to conversation %q: %w", m.ID, m.ConversationID, mapErr(err))
	}
	m.CreatedAt = truncate(m.CreatedAt)
	return m, nil
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
