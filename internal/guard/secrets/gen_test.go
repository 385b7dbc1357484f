package secrets

import (
	"encoding/base64"
	"hash/crc32"
	"math/rand/v2"
	"strings"
)

// Test values are generated at run time from a fixed seed: they have the
// shape of real credentials and none of them is one.

const (
	alnum     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b64chars  = alnum + "+/"
	b64url    = alnum + "-_"
	hexLower  = "0123456789abcdef"
	awsBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	upperNum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	digits    = "0123456789"
)

// gen makes random test values.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// str returns n characters drawn from alphabet.
func (g *gen) str(alphabet string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

// checksum62 is the 6-character base62 CRC32 GitHub and npm append to a
// token's random part.
func checksum62(body string) string {
	c := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = alnum[c%62]
		c /= 62
	}
	return string(out)
}

// checksummed returns prefix, 30 random characters and their checksum.
func (g *gen) checksummed(prefix string) string {
	body := g.str(alnum, 30)
	return prefix + body + checksum62(body)
}

func (g *gen) awsKey(prefix string) string { return prefix + g.str(awsBase32, 16) }

// jwt returns a signed-looking JWT with the given JSON header and payload.
func (g *gen) jwt(header, payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + g.str(b64url, 43)
}

// pemBody returns base64 of n random bytes in 64-column lines joined by nl.
func (g *gen) pemBody(n int, nl string) string {
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(g.r.IntN(256))
	}
	s := base64.StdEncoding.EncodeToString(raw)
	var lines []string
	for len(s) > 64 {
		lines = append(lines, s[:64])
		s = s[64:]
	}
	lines = append(lines, s)
	return strings.Join(lines, nl)
}

// pem returns a complete private key block of the given kind ("RSA", "EC",
// "OPENSSH", "" for PKCS#8, "ENCRYPTED", "PGP").
func (g *gen) pem(kind string) string {
	label := "PRIVATE KEY"
	if kind != "" {
		label = kind + " PRIVATE KEY"
	}
	if kind == "PGP" {
		label += " BLOCK"
	}
	return "-----BEGIN " + label + "-----\n" + g.pemBody(600, "\n") + "\n-----END " + label + "-----"
}
