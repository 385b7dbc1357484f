package access

import (
	"testing"

	"github.com/palisade-gw/palisade/internal/identity"
)

func TestDecide(t *testing.T) {
	p := NewPolicy(map[string][]string{"web": {"hr"}, "ops": {"it"}})
	tests := []struct {
		name, app, agent string
		want             Decision
	}{
		{"listed agent is allowed", "web", "hr", Decision{true, ReasonAppAllowed}},
		{"unlisted agent is denied", "web", "it", Decision{false, ReasonAppNotAllowed}},
		{"unknown app is denied", "ghost", "hr", Decision{false, ReasonUnknownApp}},
		{"empty app is denied", "", "hr", Decision{false, ReasonUnknownApp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Decide(Request{Principal: identity.Principal{App: tt.app}, Agent: tt.agent})
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
