package main

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

type oneCountry string

func (c oneCountry) Country(netip.Addr) (string, error) { return string(c), nil }

// Ensure the sign-in history comes from the store: a local user's failed
// sign-ins, and the countries noted at browser sign-ins (behind a trusted
// proxy, the forwarded client's); a sign-in refreshes the cached answer.
func TestRiskSignalsFromStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/r.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := localidp.NewDirectory(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddUser(ctx, localidp.NewUser{Username: "alice"}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.Authenticate(ctx, "alice", "wrong password!"); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	r := &riskSignals{st: st, geo: oneCountry("GB"), proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	alice := identity.Principal{Kind: identity.KindUser, Issuer: "local", Subject: "alice"}
	failed, countries, err := r.signals(ctx, alice)
	if err != nil || failed != 3 || len(countries) != 0 {
		t.Fatalf("signals = %d %v %v; want 3 failed sign-ins, no countries", failed, countries, err)
	}
	req := httptest.NewRequest("GET", "/auth/callback", nil)
	req.RemoteAddr = "10.1.1.1:4000"
	req.Header.Set("X-Forwarded-For", "81.2.69.160")
	if err := r.noteSignIn(ctx, req, alice); err != nil {
		t.Fatal(err)
	}
	if _, countries, _ = r.signals(ctx, alice); !slices.Equal(countries, []string{"GB"}) {
		t.Errorf("countries after a sign-in = %v, want [GB]", countries)
	}
	bob := identity.Principal{Kind: identity.KindUser, Issuer: "corp", Subject: "bob"}
	if failed, _, err := r.signals(ctx, bob); err != nil || failed != 0 {
		t.Errorf("an external user: %d %v", failed, err)
	}
}
