package faults

import "time"

// Profile is a fault scenario: how long and how hard the load runs and when each fault
// strikes (offsets from the start of the load).
type Profile struct {
	Name       string
	Load       time.Duration
	Rate       int // commands per second, over Workers clients
	Workers    int
	RelayKills time.Duration // SIGKILL the relay this often (restarted at once)
	Projector  []time.Duration
	Postgres   []time.Duration
	Kafka      []time.Duration // SIGKILL the broker process and restart it on its data
	// RelayPauses SIGSTOP the relay for RelayPause, then SIGCONT it.
	RelayPauses []time.Duration
	RelayPause  time.Duration
	// CatchUp bounds the time from the end of the load until the read model reflects
	// every committed event, with the production defaults (no shortened session timeout).
	CatchUp time.Duration
}

// Small fits in `make test` (well under 90 s with the stack's start-up and the checks).
var Small = Profile{Name: "small", Load: 24 * time.Second, Rate: 150, Workers: 4,
	RelayKills:  4 * time.Second,
	Projector:   []time.Duration{6 * time.Second, 17 * time.Second},
	Postgres:    []time.Duration{10 * time.Second},
	Kafka:       []time.Duration{14 * time.Second},
	RelayPauses: []time.Duration{20 * time.Second}, RelayPause: 3 * time.Second,
	CatchUp: 10 * time.Second}

// Long is `make test-faults`: more of everything, faults also overlapping a busy relay.
var Long = Profile{Name: "long", Load: 3 * time.Minute, Rate: 400, Workers: 8,
	RelayKills:  5 * time.Second,
	Projector:   []time.Duration{15 * time.Second, 50 * time.Second, 95 * time.Second, 140 * time.Second},
	Postgres:    []time.Duration{35 * time.Second, 110 * time.Second},
	Kafka:       []time.Duration{70 * time.Second, 155 * time.Second},
	RelayPauses: []time.Duration{42 * time.Second, 125 * time.Second}, RelayPause: 5 * time.Second,
	CatchUp: 10 * time.Second}
