//go:build race

package secrets

// raceEnabled is set when tests run under the race detector, which slows
// them about tenfold: timing and size tests scale down.
const raceEnabled = true
