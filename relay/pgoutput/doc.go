// Package pgoutput decodes the logical replication messages of PostgreSQL's pgoutput
// plugin (protocol version 1) that the relay needs, and maps inserted rows of the events
// table to schemas.Event.
//
// The input is outside data, so the decoder checks every length before it reads and
// returns an error wrapping ErrMalformed instead of panicking (pglogrepl's own decoders
// index past short buffers). It also copies only the columns it keeps, once.
//
//	d := pgoutput.NewDecoder()
//	msg, err := d.Decode(xld.WALData)
//	switch m := msg.(type) {
//	case pgoutput.Begin:  // a transaction opens; m.FinalLSN is its commit LSN
//	case pgoutput.Insert: // m.Event is a row of the events table
//	case pgoutput.Commit: // acknowledge m.EndLSN once its records are durable
//	}
//
// Relation messages are cached by relation id inside the Decoder; inserts into a
// relation that is not the events table (it lacks the event columns) decode to Skip.
package pgoutput
