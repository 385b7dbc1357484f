package tlog

import (
	"testing"
)

// BenchmarkVerify verifies a log of 1,000,000 synthetic events with a
// checkpoint every 1,000 events, and reports events per second. The target
// is at least 500,000 events/s.
func BenchmarkVerify(b *testing.B) {
	const n = 1_000_000
	evs := synth(n)
	_, cps := logOf(b, evs, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Verify(Events(evs), cps)
		if err != nil {
			b.Fatal(err)
		}
		if r.Signed != n {
			b.Fatalf("signed %d", r.Signed)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTreeAppend measures building the stored hashes, as a store
// appending events would, per event.
func BenchmarkTreeAppend(b *testing.B) {
	evs := synth(1000)
	tr := &Tree{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := tr.AppendEvent(evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
	}
}
