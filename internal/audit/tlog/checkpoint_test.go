package tlog

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// Test keys, made once with note.GenerateKey. Ed25519 signatures are
// deterministic, so a note signed with testSKey is a fixed string.
const (
	testOrigin = "palisade.example/audit"
	testSKey   = "PRIVATE+KEY+palisade.example/audit+2d7e6164+AQQjcT14/rjWYs+i1stea21Uw+eO7qriofcNX7m+0EuS"
	testVKey   = "palisade.example/audit+2d7e6164+AdJ6UCjMgTS05GCwKHzIxOhcWKnu+4qOIEjaVa4nb3A5"
	// Another key with the same name, and a key of another name.
	sameNameSKey  = "PRIVATE+KEY+palisade.example/audit+539afa72+Ae4pBPfpGQ9u4Lux3fFheHokBmZ+MjRRHSMzPHD44TH8"
	otherNameSKey = "PRIVATE+KEY+other.example/audit+222a70b2+AdPGXJV57JXvS5FfMXnNE2j9FEkSk9UB8aK9EMVl+Yhj"
	otherNameVKey = "other.example/audit+222a70b2+AdZKBeVJSWxvYfv9pTo8ObKOBZvIGOhXsVCbfmA3XFe+"
)

func signer(t testing.TB, skey string) note.Signer {
	t.Helper()
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func verifiers(t testing.TB, vkeys ...string) note.Verifiers {
	t.Helper()
	var vs []note.Verifier
	for _, k := range vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...)
}

// Ensure the checkpoint body and the signed note are exactly the C2SP
// formats, byte for byte.
func TestCheckpointGolden(t *testing.T) {
	c := Checkpoint{Origin: testOrigin, Size: 5, Hash: hashOf(t, ctRoots[5])}
	const body = "palisade.example/audit\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n"
	got, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Errorf("Marshal =\n%q\nwant\n%q", got, body)
	}
	msg, err := Sign(c, signer(t, testSKey))
	if err != nil {
		t.Fatal(err)
	}
	const signed = body + "\n— palisade.example/audit LX5hZACOBiYAP+j12xfBoDWLvdTr2ksRTC5R8x0CqzStLrnbMvONj8jU0ZTQ5U452qrVYblvWvqE4OZit1xt+7b2xgc=\n"
	if string(msg) != signed {
		t.Errorf("Sign =\n%q\nwant\n%q", msg, signed)
	}
	back, err := Open(msg, testOrigin, verifiers(t, testVKey))
	if err != nil {
		t.Fatal(err)
	}
	if back.Origin != c.Origin || back.Size != c.Size || back.Hash != c.Hash || len(back.Extensions) != 0 {
		t.Errorf("Open = %+v, want %+v", back, c)
	}

	c.Extensions = []string{"time 1735787045", "— not a signature"}
	msg, err = Sign(c, signer(t, testSKey))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(msg), body+"time 1735787045\n— not a signature\n\n— ") {
		t.Errorf("with extensions: %q", msg)
	}
	back, err = Open(msg, testOrigin, verifiers(t, testVKey))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(back.Extensions, "|") != "time 1735787045|— not a signature" {
		t.Errorf("extensions = %q", back.Extensions)
	}
}

// Ensure Open refuses everything but a well-formed checkpoint of the right
// log signed by a trusted key, with the right error.
func TestOpenRefuses(t *testing.T) {
	c := Checkpoint{Origin: testOrigin, Size: 5, Hash: hashOf(t, ctRoots[5])}
	good, err := Sign(c, signer(t, testSKey))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(c Checkpoint, skey string) []byte {
		m, err := Sign(c, signer(t, skey))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// signBody signs an arbitrary body, bypassing Marshal's checks.
	signBody := func(body string) []byte {
		m, err := note.Sign(&note.Note{Text: body}, signer(t, testSKey))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	sigAt := bytes.LastIndex(good, []byte(" ")) + 1
	flipSig := bytes.Clone(good)
	flipSig[sigAt+10] ^= 'A' ^ 'B'
	if flipSig[sigAt+10] == good[sigAt+10] {
		t.Fatal("signature not changed")
	}
	other := c
	other.Origin = "other.example/audit"

	cases := []struct {
		name string
		msg  []byte
		vs   note.Verifiers
		want error
	}{
		{"other key, same name", sign(c, sameNameSKey), verifiers(t, testVKey), ErrUnknownKey},
		{"unknown key name", sign(c, otherNameSKey), verifiers(t, testVKey), ErrUnknownKey},
		{"no verifiers", good, nil, ErrUnknownKey},
		{"tampered size", bytes.Replace(good, []byte("\n5\n"), []byte("\n6\n"), 1), verifiers(t, testVKey), ErrBadSignature},
		{"tampered root", bytes.Replace(good, []byte("Tju7"), []byte("Tju8"), 1), verifiers(t, testVKey), ErrBadSignature},
		{"tampered signature", flipSig, verifiers(t, testVKey), ErrBadSignature},
		{"extension added", bytes.Replace(good, []byte("=\n\n"), []byte("=\nx\n\n"), 1), verifiers(t, testVKey), ErrBadSignature},
		{"no signature", good[:bytes.Index(good, []byte("\n\n"))+1], verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"wrong origin", sign(other, otherNameSKey), verifiers(t, testVKey, otherNameVKey), ErrWrongOrigin},
		{"two lines", signBody("palisade.example/audit\n5\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"size with sign", signBody("palisade.example/audit\n+5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"size with zero", signBody("palisade.example/audit\n05\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"negative size", signBody("palisade.example/audit\n-5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"short root", signBody("palisade.example/audit\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZA==\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"root not base64", signBody("palisade.example/audit\n5\nnot base64!\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"empty origin", signBody("\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"empty extension", signBody("palisade.example/audit\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n\nx\n"), verifiers(t, testVKey), ErrMalformedCheckpoint},
		{"not a note", []byte("hello"), verifiers(t, testVKey), ErrMalformedCheckpoint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.msg, testOrigin, tc.vs)
			if !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
		})
	}

	// A cosignature by an unknown key (a witness) does not stand in the way.
	n, err := note.Open(good, verifiers(t, testVKey))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, signer(t, otherNameSKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cosigned, testOrigin, verifiers(t, testVKey)); err != nil {
		t.Errorf("cosigned checkpoint refused: %v", err)
	}
}

// Ensure a checkpoint that cannot be written is refused before signing.
func TestSignRefusesMalformed(t *testing.T) {
	for _, c := range []Checkpoint{
		{Origin: "", Size: 1},
		{Origin: "has space", Size: 1},
		{Origin: "has+plus", Size: 1},
		{Origin: "line\nbreak", Size: 1},
		{Origin: testOrigin, Size: -1},
		{Origin: testOrigin, Size: 1, Extensions: []string{""}},
		{Origin: testOrigin, Size: 1, Extensions: []string{"a\nb"}},
	} {
		if _, err := Sign(c, signer(t, testSKey)); !errors.Is(err, ErrMalformedCheckpoint) {
			t.Errorf("Sign(%+v) = %v, want ErrMalformedCheckpoint", c, err)
		}
	}
}
