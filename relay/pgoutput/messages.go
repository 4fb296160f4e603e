package pgoutput

import (
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/recall-events/recall/schemas"
)

// Message is one decoded pgoutput message: Begin, Commit, Insert, Relation or Skip.
type Message interface{ isMessage() }

// Begin opens a transaction. FinalLSN is the LSN of its commit record, known up front
// because pgoutput (protocol 1) sends a transaction only once it has committed.
type Begin struct {
	FinalLSN   pglogrepl.LSN
	CommitTime time.Time
	Xid        uint32
}

// Commit closes a transaction. EndLSN (TransactionEndLSN) is the position to
// acknowledge: acknowledging CommitLSN makes the server send the transaction again.
type Commit struct {
	CommitLSN  pglogrepl.LSN
	EndLSN     pglogrepl.LSN
	CommitTime time.Time
}

// Insert is a row inserted into the events table.
type Insert struct {
	Event schemas.Event
}

// Relation announces a table's columns; the Decoder has cached it already.
type Relation struct {
	ID        uint32
	Namespace string
	Name      string
	IsEvents  bool // it has every column of the events table
}

// Skip is a message the relay has no use for (type, origin, logical decoding message,
// or an insert into another table).
type Skip struct {
	Kind byte
}

func (Begin) isMessage()    {}
func (Commit) isMessage()   {}
func (Insert) isMessage()   {}
func (Relation) isMessage() {}
func (Skip) isMessage()     {}

// pgEpoch is where pgoutput's timestamps (microseconds) count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func pgTime(micros uint64) time.Time {
	return pgEpoch.Add(time.Duration(int64(micros)) * time.Microsecond)
}
