package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/palisade-gw/palisade/internal/store"
)

const conversationColumns = `id, environment, region, agent, app, user_id, channel, created_at, updated_at, expires_at`

// CreateConversation stores c. It is a batch of one record for
// CommitRecords. Returns store.ErrAlreadyExists if c.ID is taken.
func (s *Store) CreateConversation(ctx context.Context, c store.Conversation) error {
	if _, f := s.commitRecords(ctx, []store.Record{{Conversation: &c}}); f != nil {
		return fmt.Errorf("sqlite: %w", f.err)
	}
	return nil
}

// GetConversation returns the conversation. Returns store.ErrNotFound if
// absent.
func (s *Store) GetConversation(ctx context.Context, id string) (store.Conversation, error) {
	c, err := scanConversation(s.read.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if err != nil {
		return store.Conversation{}, fmt.Errorf("sqlite: get conversation %q: %w", id, mapErr(err))
	}
	return c, nil
}

// UpdateConversation applies fn to the stored conversation inside one write
// transaction and stores the result. fn must not change the ID, and must
// not call the store: the single write connection is held while it runs.
// Returns store.ErrNotFound if absent, or fn's error unchanged.
func (s *Store) UpdateConversation(ctx context.Context, id string, fn func(store.Conversation) (store.Conversation, error)) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: update conversation %q: %w", id, mapErr(err))
	}
	defer tx.Rollback()

	old, err := scanConversation(tx.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if err != nil {
		return fmt.Errorf("sqlite: update conversation %q: %w", id, mapErr(err))
	}
	c, err := fn(old)
	if err != nil {
		return err
	}
	if c.ID != id {
		return fmt.Errorf("sqlite: update conversation %q: the ID cannot change (got %q)", id, c.ID)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE conversations SET
		environment = ?, region = ?, agent = ?, app = ?, user_id = ?, channel = ?,
		created_at = ?, updated_at = ?, expires_at = ?
		WHERE id = ?`,
		c.Environment, c.Region, c.Agent, c.App, c.User, c.Channel,
		micros(c.CreatedAt), micros(c.UpdatedAt), nullMicros(c.ExpiresAt), id); err != nil {
		return fmt.Errorf("sqlite: update conversation %q: %w", id, mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update conversation %q: %w", id, mapErr(err))
	}
	return nil
}

// ListConversations returns the conversations matching f, oldest first
// (by CreatedAt, then ID).
func (s *Store) ListConversations(ctx context.Context, f store.ConversationFilter) ([]store.Conversation, error) {
	var where []string
	var args []any
	if f.Environment != "" {
		where = append(where, `environment = ?`)
		args = append(args, f.Environment)
	}
	if f.Agent != "" {
		where = append(where, `agent = ?`)
		args = append(args, f.Agent)
	}
	if f.User != "" {
		where = append(where, `user_id = ?`)
		args = append(args, f.User)
	}
	if !f.ExpiredBy.IsZero() {
		where = append(where, `expires_at IS NOT NULL AND expires_at <= ?`)
		args = append(args, micros(f.ExpiredBy))
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created_at, id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}

	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list conversations: %w", mapErr(err))
	}
	defer rows.Close()
	var cs []store.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list conversations: %w", mapErr(err))
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list conversations: %w", mapErr(err))
	}
	return cs, nil
}

// DeleteConversation removes a conversation and, by the foreign key's
// ON DELETE CASCADE, its whole transcript. Returns store.ErrNotFound if
// absent.
func (s *Store) DeleteConversation(ctx context.Context, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM conversations WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete conversation %q: %w", id, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete conversation %q: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete conversation %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanConversation(row scanner) (store.Conversation, error) {
	var c store.Conversation
	var created, updated int64
	var expires sql.NullInt64
	if err := row.Scan(&c.ID, &c.Environment, &c.Region, &c.Agent, &c.App, &c.User, &c.Channel,
		&created, &updated, &expires); err != nil {
		return store.Conversation{}, err
	}
	c.CreatedAt = fromMicros(created)
	c.UpdatedAt = fromMicros(updated)
	c.ExpiresAt = fromNullMicros(expires)
	return c, nil
}
