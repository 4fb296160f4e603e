package streamfile_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/recall-events/recall/eventstore/streamfile"
)

func TestReadRefuses(t *testing.T) {
	const id = `"aggregate_id":"0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00","aggregate_type":"user"`
	for name, in := range map[string]string{
		"not json":      `{`,
		"other format":  `{"format":"recall.stream.v2",` + id + `,"events":[]}`,
		"no id":         `{"format":"recall.stream.v1","aggregate_type":"user","events":[]}`,
		"gap":           `{"format":"recall.stream.v1",` + id + `,"events":[{"revision":2,"event_type":"X","data":{}}]}`,
		"no data":       `{"format":"recall.stream.v1",` + id + `,"events":[{"revision":1,"event_type":"X"}]}`,
		"no event_type": `{"format":"recall.stream.v1",` + id + `,"events":[{"revision":1,"data":{}}]}`,
	} {
		if _, err := streamfile.Read(strings.NewReader(in)); !errors.Is(err, streamfile.ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
	f, err := streamfile.Read(strings.NewReader(`{"format":"recall.stream.v1",` + id + `,"future_field":1,"events":[{"revision":1,"event_type":"X","data":{"a":1}}]}`))
	if err != nil || len(f.Events) != 1 {
		t.Fatalf("unknown keys are ignored: %+v %v", f, err)
	}
}

// FuzzRead: any input is read or refused with ErrFormat (or a read error), never a
// panic; what is read passes Check and writes back out.
func FuzzRead(f *testing.F) {
	f.Add(`{"format":"recall.stream.v1","aggregate_type":"user","aggregate_id":"0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00","events":[{"revision":1,"event_type":"X","data":{}}]}`)
	f.Add(`{"format":"recall.stream.v1","events":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		file, err := streamfile.Read(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, streamfile.ErrFormat) {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if err := streamfile.Write(io.Discard, file); err != nil {
			t.Fatalf("%q read but does not write: %v", in, err)
		}
	})
}
