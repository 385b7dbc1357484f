//go:build race

package inject

const raceEnabled = true
