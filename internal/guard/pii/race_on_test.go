//go:build race

package pii

// raceEnabled is set when tests run under the race detector, which slows
// them about tenfold: the randomized equivalence tests run fewer rounds.
const raceEnabled = true
