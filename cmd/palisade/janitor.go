package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// sweepEvery is how often expired sign-in state is removed.
const sweepEvery = 5 * time.Minute

// sweepAuthState removes sign-in state that can no longer be used:
// sessions past their absolute lifetime, sign-in tickets past their
// expiry and token revocations that outlived every token they cover. It
// returns how many rows of each it removed.
func sweepAuthState(ctx context.Context, st store.Store, now time.Time) (sessions, tickets, revocations int, err error) {
	if sessions, err = st.DeleteExpiredSessions(ctx, now); err != nil {
		return
	}
	if tickets, err = st.DeleteExpiredTickets(ctx, now); err != nil {
		return
	}
	revocations, err = st.DeleteExpiredRevocations(ctx, now)
	return
}

// runJanitor sweeps every sweepEvery until ctx ends. Failures are logged
// and retried at the next sweep: nothing depends on the sweep for
// security (expired state is refused when read), only for space.
func runJanitor(ctx context.Context, st store.Store, log *slog.Logger) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s, k, r, err := sweepAuthState(ctx, st, time.Now().UTC())
		if err != nil {
			log.Warn("could not remove expired sign-in state", "err", err)
			continue
		}
		if s+k+r > 0 {
			log.Debug("removed expired sign-in state", "sessions", s, "tickets", k, "revocations", r)
		}
	}
}
