package secrets

import (
	"os"
	"strings"
	"testing"
	"time"
)

// adversarial returns inputs built to make a careless scanner rescan text:
// keywords and operators repeated with nothing to close them.
func adversarial(size int) map[string]string {
	g := newGen(14)
	pats := map[string]string{
		"jwt headers":    "eyJ",
		"jwt parts":      "eyJhbGciOiJub25lIn0.",
		"jwt long":       "eyJ" + g.str(b64url, 3000) + ".",
		"pem begins":     "-----BEGIN PRIVATE KEY-----\n",
		"pem bodies":     "-----BEGIN PRIVATE KEY-----\n" + g.pemBody(3000, "\n") + "\n",
		"assign chain":   "key=key=",
		"password chain": "password=password:",
		"colons":         "token:token:",
		"quoted":         `password="password="`,
		"sk dashes":      "sk-",
		"sk long":        "sk-" + g.str(alnum, 240),
		"schemes":        "a://",
		"userinfo":       "postgres://u:p" + strings.Repeat("@", 300),
		"aws":            "AKIA",
		"aws run":        g.str(awsBase32, 512),
		"flags":          "--password --token ",
		"dashes":         "-",
		"nul":            "\x00",
		"invalid utf8":   "\xff\xfe\xc3",
		"service acct":   `service_account "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"`,
		"slack":          "xoxb-" + strings.Repeat("1", 100),
		"value run":      "api_key=" + g.str(alnum, 4000),
	}
	out := make(map[string]string, len(pats))
	for name, p := range pats {
		out[name] = strings.Repeat(p, size/len(p)+1)[:size]
	}
	return out
}

// Ensure Detect stays linear on adversarial inputs: doubling the input must
// not much more than double the time.
//
// It measures time, so it runs only when PALISADE_TIMING_TESTS is set (a
// loaded CI machine would make it flaky); the fuzz and size tests check the
// same inputs for correctness in every run.
func TestLinearTime(t *testing.T) {
	if testing.Short() || os.Getenv("PALISADE_TIMING_TESTS") == "" {
		t.Skip("timing test: set PALISADE_TIMING_TESTS=1 to run it")
	}
	d := New(Options{})
	unit := 1 << 20
	if raceEnabled {
		unit = 128 << 10
	}
	small, large := adversarial(unit), adversarial(4*unit)
	for name := range small {
		t.Run(name, func(t *testing.T) {
			measure := func(s string) time.Duration {
				best := time.Duration(1 << 62)
				for range 3 {
					start := time.Now()
					d.Detect(nil, s)
					best = min(best, time.Since(start))
				}
				return best
			}
			ts, tl := measure(small[name]), measure(large[name])
			t.Logf("1 MB %v, 4 MB %v", ts, tl)
			if tl > 8*ts+20*time.Millisecond {
				t.Errorf("4x input took %v vs %v: superlinear", tl, ts)
			}
		})
	}
}

// Ensure a 10 MB input of every adversarial kind completes without panic
// (1 MB under the race detector).
func TestHugeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	d := New(Options{})
	size := 10 << 20
	if raceEnabled {
		size = 1 << 20
	}
	for name, s := range adversarial(size) {
		start := time.Now()
		n := len(d.Detect(nil, s))
		t.Logf("%-14s %d bytes: %v, %d findings", name, len(s), time.Since(start), n)
	}
}

// Ensure one Detector serves concurrent callers.
func TestConcurrentUse(t *testing.T) {
	d := New(Options{})
	g := newGen(15)
	text := "password=hunter2x token " + g.checksummed("ghp_") + " " + g.pem("EC") + " " + prompt1K
	want := len(d.Detect(nil, text))
	done := make(chan int)
	for range 8 {
		go func() {
			n := 0
			for range 50 {
				n = len(d.Detect(nil, text))
			}
			done <- n
		}()
	}
	for range 8 {
		if n := <-done; n != want {
			t.Errorf("concurrent Detect found %d, want %d", n, want)
		}
	}
}
