package schemas_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/recall-events/recall/schemas"
)

// A consumer of recall.user.events decodes each record value with a Decoder on
// the schema registry. The registry here is franz-go's srfake with Recall's
// schemas registered, as the relay registers them at start; the value is built
// as the relay builds it.
func ExampleDecoder_Decode() {
	ctx := context.Background()
	fake := srfake.New()
	defer fake.Close()
	cl, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		panic(err)
	}
	reg, err := schemas.Register(ctx, cl, "recall.user.events")
	if err != nil {
		panic(err)
	}
	value, err := reg.AppendValue(nil, schemas.Event{
		EventID: "0193a3b0-1c2d-7e3f-8a4b-5c6d7e8f9a0b", AggregateType: "user",
		AggregateID: "0193a3b0-0000-7000-8000-00000000abcd", Revision: 1,
		EventType: "UserCreated", SchemaVersion: 2,
		RecordedAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), GlobalPosition: 42,
		Metadata: json.RawMessage(`{"actor_id":"admin","actor_role":"admin"}`),
		Data:     json.RawMessage(`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","role":"user"}`),
	})
	if err != nil {
		panic(err)
	}

	// The consumer's side: one Decoder, safe for concurrent use, that fetches
	// each writer schema once.
	dec := schemas.NewDecoder(cl)
	ev, err := dec.Decode(ctx, value)
	if err != nil {
		panic(err)
	}
	var d struct {
		Username  string `json:"username"`
		FirstName string `json:"first_name"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		panic(err)
	}
	fmt.Println(ev.EventType, ev.SchemaVersion, ev.AggregateID, ev.Revision)
	fmt.Println(d.Username, d.FirstName, string(ev.Metadata))

	_, err = dec.Decode(ctx, []byte(`{"event_type":"UserCreated"}`))
	fmt.Println(errors.Is(err, schemas.ErrFraming))
	// Output:
	// UserCreated 2 0193a3b0-0000-7000-8000-00000000abcd 1
	// ada Ada {"actor_id":"admin","actor_role":"admin"}
	// true
}
