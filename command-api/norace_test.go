//go:build !race

package commandapi_test

// raceEnabled: the race detector slows Go code 5–10 times; time budgets widen with it.
const raceEnabled = false
