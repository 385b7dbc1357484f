package tlog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// The Certificate Transparency reference data for RFC 6962 (the leaves and
// roots of certificate-transparency's merkle_tree_test), reproduced by
// every RFC 6962 implementation.
var (
	ctLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	ctRoots  = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // 0: SHA-256("")
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashOf(t testing.TB, s string) Hash {
	t.Helper()
	var h Hash
	if copy(h[:], mustHex(t, s)) != len(h) {
		t.Fatalf("%q is not a hash", s)
	}
	return h
}

func ctTree(t testing.TB) *Tree {
	t.Helper()
	tr := &Tree{}
	for _, l := range ctLeaves {
		if _, err := tr.Append(LeafHash(mustHex(t, l))); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// Ensure leaf hashes are SHA-256(0x00 ‖ e), as RFC 6962 says.
func TestLeafHashIsRFC6962(t *testing.T) {
	for _, e := range []string{"", "00", "0102", "deadbeef"} {
		b := mustHex(t, e)
		if got, want := LeafHash(b), Hash(sha256.Sum256(append([]byte{0}, b...))); got != want {
			t.Errorf("LeafHash(%s) = %s, want %s", e, got, want)
		}
	}
}

// Ensure the tree's roots, built through x/mod tlog and through Verify's
// own right-edge fold, are the RFC 6962 reference roots at every size.
func TestRootsMatchRFC6962(t *testing.T) {
	tr := ctTree(t)
	if got := emptyRoot; got != Hash(sha256.Sum256(nil)) {
		t.Errorf("empty root = %s, want SHA-256 of nothing", got)
	}
	var v verifier
	for size := int64(0); size <= int64(len(ctLeaves)); size++ {
		want := hashOf(t, ctRoots[size])
		got, err := tr.RootAt(size)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Tree.RootAt(%d) = %x, want %x", size, got, want)
		}
		if got := v.root(); got != want {
			t.Errorf("verifier root at %d = %x, want %x", size, got, want)
		}
		if size < int64(len(ctLeaves)) {
			v.appendLeaf(LeafHash(mustHex(t, ctLeaves[size])))
		}
	}
	if got := tr.Root(); got != hashOf(t, ctRoots[8]) {
		t.Errorf("Root() = %x", got)
	}
}

// Ensure the right-edge fold Verify uses agrees with x/mod tlog's stored
// hashes at every size, not only the reference ones.
func TestEdgeFoldMatchesTreeHash(t *testing.T) {
	tr := &Tree{}
	var v verifier
	for i := range 300 {
		leaf := LeafHash([]byte(fmt.Sprint(i)))
		if _, err := tr.Append(leaf); err != nil {
			t.Fatal(err)
		}
		v.appendLeaf(leaf)
		if got, want := v.root(), tr.Root(); got != want {
			t.Fatalf("size %d: fold %s, tlog %s", i+1, got, want)
		}
	}
}

// Ensure proofs are the RFC 6962 reference proofs and verify.
func TestProofsMatchRFC6962(t *testing.T) {
	tr := ctTree(t)
	inclusion := []struct {
		index, size int64
		proof       []string
	}{
		{0, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{5, 8, []string{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 3, []string{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
		{1, 5, []string{"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
	for _, tc := range inclusion {
		p, err := tr.ProveInclusion(tc.index, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		if got := hexes(p); fmt.Sprint(got) != fmt.Sprint(tc.proof) {
			t.Errorf("inclusion %d/%d = %v, want %v", tc.index, tc.size, got, tc.proof)
		}
		c := Checkpoint{Origin: "o", Size: tc.size, Hash: hashOf(t, ctRoots[tc.size])}
		if err := CheckInclusion(p, LeafHash(mustHex(t, ctLeaves[tc.index])), tc.index, c); err != nil {
			t.Errorf("inclusion %d/%d: %v", tc.index, tc.size, err)
		}
	}
	consistency := []struct {
		old, size int64
		proof     []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
	for _, tc := range consistency {
		p, err := tr.ProveConsistency(tc.old, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		if got := hexes(p); fmt.Sprint(got) != fmt.Sprint(tc.proof) {
			t.Errorf("consistency %d→%d = %v, want %v", tc.old, tc.size, got, tc.proof)
		}
		old := Checkpoint{Origin: "o", Size: tc.old, Hash: hashOf(t, ctRoots[tc.old])}
		c := Checkpoint{Origin: "o", Size: tc.size, Hash: hashOf(t, ctRoots[tc.size])}
		if err := CheckConsistency(p, old, c); err != nil {
			t.Errorf("consistency %d→%d: %v", tc.old, tc.size, err)
		}
	}
}

func hexes(hs []Hash) []string {
	var out []string
	for _, h := range hs {
		out = append(out, hex.EncodeToString(h[:]))
	}
	return out
}

func goldenEvent() store.AuditEvent {
	return store.AuditEvent{
		Seq:       7,
		ID:        "ev_01",
		Time:      time.Date(2025, 1, 2, 3, 4, 5, 678901234, time.UTC),
		Type:      "chat.completion",
		RequestID: "req-1",
		Outcome:   "success",
		Actor:     "alice",
		App:       "app",
		Agent:     "bot",
		Data:      []byte(`{"n":1}`),
	}
}

// Ensure the event encoding never changes: a change would make every
// stored log fail verification. The golden bytes were computed
// independently of this package, from the format's description.
func TestEncodeEventGolden(t *testing.T) {
	const want = "01" + "0000000000000007" + "00062ab06a436f35" +
		"00000005" + "65765f3031" +
		"0000000f" + "636861742e636f6d706c6574696f6e" +
		"00000005" + "7265712d31" +
		"00000007" + "73756363657373" +
		"00000005" + "616c696365" +
		"00000003" + "617070" +
		"00000003" + "626f74" +
		"00000007" + "7b226e223a317d"
	const wantHash = "485d0cd843e5e21d70e3fc28de48ffa64673b79c30f66049d312a17a8006ce52"
	b, err := EncodeEvent(goldenEvent())
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("EncodeEvent =\n%s\nwant\n%s", got, want)
	}
	h, err := EventHash(goldenEvent())
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h[:]); got != wantHash {
		t.Errorf("EventHash = %s, want %s", got, wantHash)
	}
}

// Ensure every field is covered: changing any one changes the hash, also
// when bytes merely move from one field to the next. And ensure what the
// stores cannot keep (nanoseconds, the time zone, nil versus empty data)
// does not count.
func TestEventHashCoversEveryField(t *testing.T) {
	base := goldenEvent()
	baseHash, err := EventHash(base)
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]func(*store.AuditEvent){
		"seq":           func(e *store.AuditEvent) { e.Seq++ },
		"time":          func(e *store.AuditEvent) { e.Time = e.Time.Add(time.Microsecond) },
		"id":            func(e *store.AuditEvent) { e.ID += "x" },
		"type":          func(e *store.AuditEvent) { e.Type = "chat.stream" },
		"request id":    func(e *store.AuditEvent) { e.RequestID = "" },
		"outcome":       func(e *store.AuditEvent) { e.Outcome = "denied" },
		"actor":         func(e *store.AuditEvent) { e.Actor = "mallory" },
		"app":           func(e *store.AuditEvent) { e.App = "app2" },
		"agent":         func(e *store.AuditEvent) { e.Agent = "bot2" },
		"data":          func(e *store.AuditEvent) { e.Data = []byte(`{"n":2}`) },
		"data spacing":  func(e *store.AuditEvent) { e.Data = []byte(`{"n": 1}`) },
		"field shifted": func(e *store.AuditEvent) { e.Actor, e.App = "alicea", "pp" },
	}
	for name, change := range changed {
		ev := base
		change(&ev)
		h, err := EventHash(ev)
		if err != nil {
			t.Fatal(err)
		}
		if h == baseHash {
			t.Errorf("changing the %s leaves the hash unchanged", name)
		}
	}
	same := map[string]func(*store.AuditEvent){
		"nanoseconds": func(e *store.AuditEvent) { e.Time = e.Time.Truncate(time.Microsecond) },
		"time zone":   func(e *store.AuditEvent) { e.Time = e.Time.In(time.FixedZone("X", 3600)) },
	}
	for name, change := range same {
		ev := base
		change(&ev)
		if h, _ := EventHash(ev); h != baseHash {
			t.Errorf("changing the %s changes the hash", name)
		}
	}
	ev := base
	ev.Data = nil
	h1, _ := EventHash(ev)
	ev.Data = []byte{}
	if h2, _ := EventHash(ev); h1 != h2 {
		t.Error("nil and empty data hash differently")
	}
}
