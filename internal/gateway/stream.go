package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// hub wakes Direct Line streams when their conversation gets new
// activities in this process. Streams also poll the store, so activities
// written by other replicas arrive too, a little later.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{subs: map[string]map[chan struct{}]struct{}{}} }

func (h *hub) subscribe(conv string) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[conv] == nil {
		h.subs[conv] = map[chan struct{}]struct{}{}
	}
	h.subs[conv][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[conv], ch)
		if len(h.subs[conv]) == 0 {
			delete(h.subs, conv)
		}
		h.mu.Unlock()
	}
}

func (h *hub) notify(conv string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[conv] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// streamKeepAlive is how often an idle stream sends an empty message, which
// Direct Line clients ignore and proxies treat as traffic.
const streamKeepAlive = 25 * time.Second

// dlStream serves a conversation's activities over a WebSocket: first those
// after the watermark, then each new one as it is written. The stream ends
// when the client goes away, the token expires, or Palisade shuts down.
func (g *Gateway) dlStream(w http.ResponseWriter, r *http.Request) {
	c, err := g.dlIdentify(r, true)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	conv, err := g.dlConversation(r, c)
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		g.dlRefuse(w, r, c.Principal, err)
		return
	}
	// The origin was checked against the app's list in dlIdentify.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	g.streams.Add(1)
	defer g.streams.Done()
	ws.SetReadLimit(4096)
	// CloseRead's context ends when the client goes away; shutdown is
	// watched separately so that clients get a proper "going away" close.
	ctx := ws.CloseRead(context.Background())
	if !c.expiry.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, c.expiry)
		defer cancel()
	}
	wake, unsubscribe := g.hub.subscribe(conv.ID)
	defer unsubscribe()
	poll := time.NewTicker(g.poll)
	defer poll.Stop()
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()

	send := func(data []byte) error {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return ws.Write(wctx, websocket.MessageText, data)
	}
	for {
		set, last, err := g.activitiesAfter(ctx, conv, wm)
		if err != nil {
			reason := "store unavailable"
			if apperr.KindOf(err) != apperr.KindUnavailable {
				reason = "conversation closed"
			}
			ws.Close(websocket.StatusInternalError, reason)
			return
		}
		if len(set.Activities) > 0 {
			if send(rawJSON(set)) != nil {
				return
			}
			wm = last
			continue
		}
		select {
		case <-g.closing.Done():
			ws.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-ctx.Done():
			ws.Close(websocket.StatusNormalClosure, "")
			return
		case <-wake:
		case <-poll.C:
		case <-keep.C:
			if send(nil) != nil {
				return
			}
		}
	}
}
