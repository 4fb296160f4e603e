package usertest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore/streamfile"
)

// TB is what a Scenario needs of *testing.T (an interface, so this package's own tests
// can watch failures).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Scenario is a stream to decide on: its events, decoded and in revision order.
type Scenario struct {
	t      TB
	id     uuid.UUID
	events []user.RecordedEvent
	stored []streamfile.Event // as exported; nil for events given by hand
}

// Epoch is the recorded_at of the first event given by hand; later ones follow a minute apart.
var Epoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Given is the stream id made of events, as revisions 1..n recorded a minute apart.
func Given(t TB, id uuid.UUID, events ...user.Event) *Scenario {
	t.Helper()
	s := &Scenario{t: t, id: id}
	for i, ev := range events {
		s.events = append(s.events, user.RecordedEvent{Revision: int64(i + 1), RecordedAt: Epoch.Add(time.Duration(i) * time.Minute), Event: ev})
	}
	s.User() // fails now on a stream the aggregate refuses
	return s
}

// GivenFile loads an exported stream (streamfile format) of a user.
func GivenFile(t TB, path string) *Scenario {
	t.Helper()
	f, err := streamfile.ReadFile(path)
	if err != nil {
		t.Fatalf("usertest: %v", err)
	}
	return GivenStream(t, f)
}

// GivenStream is GivenFile for a file already read.
func GivenStream(t TB, f streamfile.File) *Scenario {
	t.Helper()
	if f.AggregateType != user.AggregateType {
		t.Fatalf("usertest: stream %s is a %q, not a user", f.AggregateID, f.AggregateType)
	}
	s := &Scenario{t: t, id: f.AggregateID, stored: f.Events}
	for _, e := range f.Events {
		ev, err := user.Unmarshal(e.EventType, e.SchemaVersion, e.Data)
		if err != nil {
			t.Fatalf("usertest: stream %s revision %d: %v", f.AggregateID, e.Revision, err)
		}
		s.events = append(s.events, user.RecordedEvent{Revision: e.Revision, RecordedAt: e.RecordedAt, Event: ev})
	}
	s.User()
	return s
}

// ID is the stream's id.
func (s *Scenario) ID() uuid.UUID { return s.id }

// Len is how many events the scenario holds.
func (s *Scenario) Len() int { return len(s.events) }

// UpTo is the scenario cut after revision (the state as it was then).
func (s *Scenario) UpTo(revision int64) *Scenario {
	s.t.Helper()
	if revision < 0 || revision > int64(len(s.events)) {
		s.t.Fatalf("usertest: revision %d is not in a stream of %d events", revision, len(s.events))
	}
	return s.cut(int(revision))
}

// Until is the scenario of the events recorded at or before at, as GET …/state?at= sees it.
func (s *Scenario) Until(at time.Time) *Scenario {
	n := 0
	for n < len(s.events) && !s.events[n].RecordedAt.After(at) {
		n++
	}
	return s.cut(n)
}

func (s *Scenario) cut(n int) *Scenario {
	out := &Scenario{t: s.t, id: s.id, events: s.events[:n:n]}
	if s.stored != nil {
		out.stored = s.stored[:n:n]
	}
	return out
}

// Event is the decoded event at revision (1-based).
func (s *Scenario) Event(revision int64) user.Event {
	s.t.Helper()
	if revision < 1 || revision > int64(len(s.events)) {
		s.t.Fatalf("usertest: no revision %d in a stream of %d events", revision, len(s.events))
	}
	return s.events[revision-1].Event
}

// Stored is the exported event at revision, with its metadata (GivenFile scenarios only).
func (s *Scenario) Stored(revision int64) streamfile.Event {
	s.t.Helper()
	if s.stored == nil || revision < 1 || revision > int64(len(s.stored)) {
		s.t.Fatalf("usertest: no stored revision %d (only scenarios of files keep metadata)", revision)
	}
	return s.stored[revision-1]
}

// User is the aggregate rebuilt from the scenario's events.
func (s *Scenario) User() *user.User {
	s.t.Helper()
	u, err := user.Rehydrate(s.id, nil, s.events)
	if err != nil {
		s.t.Fatalf("usertest: rebuild %s: %v", s.id, err)
	}
	return u
}

// State is User().State().
func (s *Scenario) State() user.State { return s.User().State() }

// When decides cmd on the scenario's state.
func (s *Scenario) When(cmd user.Command) *Outcome {
	s.t.Helper()
	events, err := s.User().Decide(cmd)
	return &Outcome{t: s.t, cmd: cmd, events: events, err: err}
}

// Outcome is what a command decided.
type Outcome struct {
	t      TB
	cmd    user.Command
	events []user.Event
	err    error
}

// Events and Err are the raw decision, for checks the Then methods do not cover.
func (o *Outcome) Events() []user.Event { return o.events }

// Err is the decision's error.
func (o *Outcome) Err() error { return o.err }

// Then expects exactly these events.
func (o *Outcome) Then(want ...user.Event) {
	o.t.Helper()
	if o.err != nil {
		o.t.Fatalf("%s: refused with %v; want events %s", o.cmd.CommandName(), o.err, show(want))
	}
	if len(want) == 0 {
		want = nil
	}
	got := o.events
	if len(got) == 0 {
		got = nil
	}
	if !reflect.DeepEqual(got, want) {
		o.t.Fatalf("%s:\n got  %s\n want %s", o.cmd.CommandName(), show(got), show(want))
	}
}

// ThenNothing expects success without events: the command changes nothing.
func (o *Outcome) ThenNothing() {
	o.t.Helper()
	o.Then()
}

// ThenError expects a refusal that errors.Is target.
func (o *Outcome) ThenError(target error) {
	o.t.Helper()
	if !errors.Is(o.err, target) {
		o.t.Fatalf("%s: got %v (events %s); want error %v", o.cmd.CommandName(), o.err, show(o.events), target)
	}
}

// ThenInvalid expects a *user.ValidationError refusing exactly these fields.
func (o *Outcome) ThenInvalid(fields ...string) {
	o.t.Helper()
	var ve *user.ValidationError
	if !errors.As(o.err, &ve) {
		o.t.Fatalf("%s: got %v; want a validation error on %v", o.cmd.CommandName(), o.err, fields)
	}
	var got []string
	for f := range ve.Fields {
		got = append(got, f)
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		o.t.Fatalf("%s: refused fields %v; want %v", o.cmd.CommandName(), ve.Fields, fields)
	}
}

// show prints events as type + JSON, as the store would hold them.
func show(events []user.Event) string {
	if len(events) == 0 {
		return "[]"
	}
	out := "["
	for i, ev := range events {
		if i > 0 {
			out += ", "
		}
		b, _ := json.Marshal(ev)
		out += ev.EventType() + string(b)
	}
	return out + "]"
}
