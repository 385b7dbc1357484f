package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

const conversationColumns = `id, environment, region, agent, app, user_id, channel, created_at, updated_at, expires_at`

// CreateConversation stores c. It is a batch of one record for
// CommitRecords. Returns store.ErrAlreadyExists if c.ID is taken.
func (s *Store) CreateConversation(ctx context.Context, c store.Conversation) error {
	if _, f := s.commitRecords(ctx, []store.Record{{Conversation: &c}}); f != nil {
		return fmt.Errorf("postgres: %w", f.err)
	}
	return nil
}

// GetConversation returns the conversation. Returns store.ErrNotFound if
// absent.
func (s *Store) GetConversation(ctx context.Context, id string) (store.Conversation, error) {
	c, err := scanConversation(s.pool.QueryRow(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id))
	if err != nil {
		return store.Conversation{}, fmt.Errorf("postgres: get conversation %q: %w", id, mapErr(err))
	}
	return c, nil
}

// UpdateConversation applies fn to the stored conversation inside one
// transaction, holding the row lock (SELECT … FOR UPDATE) so concurrent
// updates are serialised, and stores the result. fn must not change the
// ID. Returns store.ErrNotFound if absent, or fn's error unchanged.
func (s *Store) UpdateConversation(ctx context.Context, id string, fn func(store.Conversation) (store.Conversation, error)) error {
	var fnErr error
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanConversation(tx.QueryRow(ctx,
			`SELECT `+conversationColumns+` FROM conversations WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		c, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		if c.ID != id {
			return fmt.Errorf("the ID cannot change (got %q)", c.ID)
		}
		_, err = tx.Exec(ctx, `UPDATE conversations SET
			environment = $2, region = $3, agent = $4, app = $5, user_id = $6, channel = $7,
			created_at = $8, updated_at = $9, expires_at = $10
			WHERE id = $1`,
			id, c.Environment, c.Region, c.Agent, c.App, c.User, c.Channel,
			c.CreatedAt, c.UpdatedAt, nullTime(c.ExpiresAt))
		return err
	})
	if fnErr != nil {
		return fnErr // unchanged, as the interface promises
	}
	if err != nil {
		return fmt.Errorf("postgres: update conversation %q: %w", id, mapErr(err))
	}
	return nil
}

// ListConversations returns the conversations matching f, oldest first
// (by CreatedAt, then ID).
func (s *Store) ListConversations(ctx context.Context, f store.ConversationFilter) ([]store.Conversation, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.Environment != "" {
		add(`environment = $?`, f.Environment)
	}
	if f.Agent != "" {
		add(`agent = $?`, f.Agent)
	}
	if f.User != "" {
		add(`user_id = $?`, f.User)
	}
	if !f.ExpiredBy.IsZero() {
		add(`expires_at <= $?`, f.ExpiredBy) // NULL never compares true
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created_at, id`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}

	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list conversations: %w", mapErr(err))
	}
	defer rows.Close()
	var cs []store.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list conversations: %w", mapErr(err))
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list conversations: %w", mapErr(err))
	}
	return cs, nil
}

// DeleteConversation removes a conversation and, by the foreign key's
// ON DELETE CASCADE, its whole transcript. Returns store.ErrNotFound if
// absent.
func (s *Store) DeleteConversation(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete conversation %q: %w", id, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete conversation %q: %w", id, store.ErrNotFound)
	}
	return nil
}

func scanConversation(row pgx.Row) (store.Conversation, error) {
	var c store.Conversation
	var expires *time.Time
	if err := row.Scan(&c.ID, &c.Environment, &c.Region, &c.Agent, &c.App, &c.User, &c.Channel,
		&c.CreatedAt, &c.UpdatedAt, &expires); err != nil {
		return store.Conversation{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	c.ExpiresAt = fromNullTime(expires)
	return c, nil
}
