package eventstore

import "fmt"

// ExpectedRevision is the optimistic concurrency expectation of an append.
type ExpectedRevision struct{ rev int64 }

const (
	anyRevision      = -1
	noStreamRevision = 0
)

var (
	// Any appends whatever the stream's revision is (creating the stream if needed).
	Any = ExpectedRevision{anyRevision}
	// NoStream appends only if the stream does not exist yet.
	NoStream = ExpectedRevision{noStreamRevision}
)

// Exactly expects the stream to be at revision n (n ≥ 1; Exactly(0) is NoStream).
func Exactly(n int64) ExpectedRevision {
	if n < 0 {
		n = 0
	}
	return ExpectedRevision{n}
}

// Revision reports the exact revision expected, and false for Any.
func (e ExpectedRevision) Revision() (int64, bool) { return e.rev, e.rev != anyRevision }

func (e ExpectedRevision) String() string {
	switch e.rev {
	case anyRevision:
		return "any"
	case noStreamRevision:
		return "no stream"
	}
	return fmt.Sprintf("revision %d", e.rev)
}
