package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/palisade-gw/palisade/internal/identity"
)

type dlConv struct {
	ConversationID string `json:"conversationId"`
	Token          string `json:"token"`
	ExpiresIn      int    `json:"expires_in"`
	StreamURL      string `json:"streamUrl"`
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// Ensure the Direct Line flow works end to end: secret → token bound to a
// user and conversation → start → post → the agent's reply by watermark.
func TestDirectLineFlow(t *testing.T) {
	e := newTestEnv(t)
	resp, body := e.do(t, "POST", "/v3/directline/tokens/generate", webSecret, "application/json", `{"user":{"id":"dl_alice","name":"Alice"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("generate: %d %s", resp.StatusCode, body)
	}
	gen := decode[dlConv](t, body)
	if gen.Token == "" || gen.ConversationID == "" || gen.ExpiresIn != 1800 {
		t.Fatalf("generate body %s", body)
	}
	resp, body = e.do(t, "POST", "/v3/directline/conversations", gen.Token, "", "")
	if resp.StatusCode != 201 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	start := decode[dlConv](t, body)
	if start.ConversationID != gen.ConversationID || !strings.HasPrefix(start.StreamURL, "ws://") {
		t.Fatalf("start body %s", body)
	}
	// Starting again with the same token resumes the conversation.
	if resp, _ := e.do(t, "POST", "/v3/directline/conversations", gen.Token, "", ""); resp.StatusCode != 200 {
		t.Fatalf("restart: %d", resp.StatusCode)
	}
	path := "/v3/directline/conversations/" + gen.ConversationID + "/activities"
	// The sender is taken from the token, not from the activity.
	resp, body = e.do(t, "POST", path, start.Token, "application/json",
		`{"type":"message","from":{"id":"dl_mallory"},"text":"leave days?","channelData":{"clientActivityID":"c1"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	posted := decode[map[string]string](t, body)
	resp, body = e.do(t, "GET", path, start.Token, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("get: %d %s", resp.StatusCode, body)
	}
	set := decode[activitySet](t, body)
	if len(set.Activities) != 2 || set.Watermark != "2" {
		t.Fatalf("activities %s", body)
	}
	user, bot := set.Activities[0], set.Activities[1]
	if user.ID != posted["id"] || user.From.ID != "dl_alice" || user.Text != "leave days?" || !strings.Contains(string(user.ChannelData), "c1") {
		t.Fatalf("user activity %+v", user)
	}
	if bot.From.Role != "bot" || bot.Text != "You said: leave days?." || bot.ReplyToID != user.ID || bot.Conversation.ID != gen.ConversationID {
		t.Fatalf("bot activity %+v", bot)
	}
	// Nothing new after the watermark.
	_, body = e.do(t, "GET", path+"?watermark=2", start.Token, "", "")
	if set := decode[activitySet](t, body); len(set.Activities) != 0 || set.Watermark != "2" {
		t.Fatalf("after watermark: %s", body)
	}
	// Refresh gives a new token for the same conversation.
	resp, body = e.do(t, "POST", "/v3/directline/tokens/refresh", start.Token, "", "")
	if resp.StatusCode != 200 || decode[dlConv](t, body).ConversationID != gen.ConversationID {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}
	// Reconnect returns a stream URL.
	resp, body = e.do(t, "GET", "/v3/directline/conversations/"+gen.ConversationID+"?watermark=2", start.Token, "", "")
	if resp.StatusCode != 200 || decode[dlConv](t, body).StreamURL == "" {
		t.Fatalf("reconnect: %d %s", resp.StatusCode, body)
	}
}

// Ensure Direct Line refuses what it must: tokens used for another
// conversation, expired tokens, apps reaching other apps' conversations,
// refresh with a secret, unknown origins, bad activities.
func TestDirectLineRefusals(t *testing.T) {
	e := newTestEnv(t)
	_, body := e.do(t, "POST", "/v3/directline/conversations", webSecret, "", "")
	conv := decode[dlConv](t, body)
	_, body = e.do(t, "POST", "/v3/directline/conversations", webSecret, "", "")
	other := decode[dlConv](t, body)
	expiredIssuer, _ := identity.NewTokens(e.key, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	expired, _, _ := expiredIssuer.Issue(identity.TokenClaims{App: "web", Subject: "dl_x", ConversationID: conv.ConversationID}, time.Minute)
	acts := "/v3/directline/conversations/" + conv.ConversationID + "/activities"
	tests := []struct {
		name, method, path, cred, ctype, body, origin string
		status                                        int
		code                                          string
	}{
		{"token for another conversation", "GET", acts, other.Token, "", "", "", 403, "conversation_forbidden"},
		{"expired token", "GET", acts, expired, "", "", "", 403, "token_expired"},
		{"another app's secret", "GET", acts, otherSecret, "", "", "", 404, "conversation_not_found"},
		{"unknown conversation", "GET", "/v3/directline/conversations/nope/activities", webSecret, "", "", "", 404, "conversation_not_found"},
		{"refresh with a secret", "POST", "/v3/directline/tokens/refresh", webSecret, "", "", "", 400, "invalid_request"},
		{"generate with a token", "POST", "/v3/directline/tokens/generate", conv.Token, "", "", "", 403, "invalid_credential"},
		{"bad user id", "POST", "/v3/directline/tokens/generate", webSecret, "application/json", `{"user":{"id":"a b<script>"}}`, "", 400, "invalid_request"},
		{"origin not allowed", "POST", "/v3/directline/tokens/generate", webSecret, "", "", "https://evil.example", 403, "origin_not_allowed"},
		{"activity without type", "POST", acts, conv.Token, "application/json", `{"text":"hi"}`, "", 400, "invalid_request"},
		{"unsupported activity type", "POST", acts, conv.Token, "application/json", `{"type":"invoke","text":"hi"}`, "", 400, "unsupported_activity"},
		{"attachments", "POST", acts, conv.Token, "application/json", `{"type":"message","text":"hi","attachments":[{"contentType":"image/png"}]}`, "", 400, "unsupported_activity"},
		{"empty message", "POST", acts, conv.Token, "application/json", `{"type":"message","text":"  "}`, "", 400, "invalid_request"},
		{"malformed activity", "POST", acts, conv.Token, "application/json", `{"type":`, "", 400, "invalid_json"},
		{"bad watermark", "GET", acts + "?watermark=-1", conv.Token, "", "", "", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+tt.cred)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb errorBody
			_ = json.NewDecoder(resp.Body).Decode(&eb)
			if resp.StatusCode != tt.status || eb.Error.Code != tt.code || eb.Error.AuditEventID == "" {
				t.Fatalf("got %d %+v, want %d %s", resp.StatusCode, eb.Error, tt.status, tt.code)
			}
		})
	}
}

// Ensure the WebSocket stream delivers earlier activities and then new
// ones as they are written, and closes when the gateway shuts down.
func TestDirectLineStream(t *testing.T) {
	e := newTestEnv(t)
	_, body := e.do(t, "POST", "/v3/directline/conversations", webSecret, "", "")
	conv := decode[dlConv](t, body)
	acts := "/v3/directline/conversations/" + conv.ConversationID + "/activities"
	if resp, b := e.do(t, "POST", acts, conv.Token, "application/json", `{"type":"message","text":"one"}`); resp.StatusCode != 200 {
		t.Fatalf("post: %d %s", resp.StatusCode, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, conv.StreamURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	read := func() activitySet {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(b) > 0 {
				return decode[activitySet](t, b)
			}
		}
	}
	if set := read(); len(set.Activities) != 2 || set.Watermark != "2" {
		t.Fatalf("first set %+v", set)
	}
	if resp, b := e.do(t, "POST", acts, conv.Token, "application/json", `{"type":"message","text":"two"}`); resp.StatusCode != 200 {
		t.Fatalf("post: %d %s", resp.StatusCode, b)
	}
	set := read()
	for len(set.Activities) < 2 {
		more := read()
		set.Activities = append(set.Activities, more.Activities...)
		set.Watermark = more.Watermark
	}
	if set.Activities[0].Text != "two" || set.Watermark != "4" {
		t.Fatalf("second set %+v", set)
	}
	// A wrong token cannot open the stream.
	bad := strings.Replace(conv.StreamURL, "t=", "t=x", 1)
	if _, resp, err := websocket.Dial(ctx, bad, nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("stream with a bad token: %v", err)
	}
	e.gw.Shutdown()
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after shutdown: %v", err)
	}
}

// Ensure a Direct Line token is refused (401 token_revoked, recorded)
// once its user or its conversation is revoked, including for refresh,
// while tokens issued afterwards work.
func TestDirectLineTokenRevocation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	gen := func(user string) dlConv {
		t.Helper()
		resp, body := e.do(t, "POST", "/v3/directline/tokens/generate", webSecret, "application/json", `{"user":{"id":"`+user+`"}}`)
		if resp.StatusCode != 200 {
			t.Fatalf("generate: %d %s", resp.StatusCode, body)
		}
		return decode[dlConv](t, body)
	}
	alice, bob := gen("dl_alice"), gen("dl_bob")
	if err := e.store.RevokeTokens(ctx, identity.UserRevocationKey("web", "dl_alice"), time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v3/directline/conversations", "/v3/directline/tokens/refresh"} {
		resp, body := e.do(t, "POST", path, alice.Token, "", "")
		if resp.StatusCode != 401 || !strings.Contains(string(body), `"token_revoked"`) || !strings.Contains(string(body), "ev_") {
			t.Errorf("%s with a revoked token: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, body := e.do(t, "POST", "/v3/directline/conversations", bob.Token, "", ""); resp.StatusCode != 201 {
		t.Errorf("another user's token: %d %s", resp.StatusCode, body)
	}
	// Revoking bob's conversation ends his token too; through /v1 as well.
	if err := e.store.RevokeTokens(ctx, identity.ConversationRevocationKey(bob.ConversationID), time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if resp, body := e.do(t, "GET", "/v1/models", bob.Token, "", ""); resp.StatusCode != 401 || !strings.Contains(string(body), "token_revoked") {
		t.Errorf("/v1 with a revoked conversation's token: %d %s", resp.StatusCode, body)
	}
	time.Sleep(1100 * time.Millisecond) // tokens carry whole seconds
	again := gen("dl_alice")
	if resp, body := e.do(t, "POST", "/v3/directline/conversations", again.Token, "", ""); resp.StatusCode != 201 {
		t.Errorf("a token issued after the revocation: %d %s", resp.StatusCode, body)
	}
}
