package streamfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"
)

// Format is the value of "format" this package writes and reads.
const Format = "recall.stream.v1"

// ErrFormat: the input is not a stream file of this version, or breaks its rules.
var ErrFormat = errors.New("streamfile: not a " + Format + " file")

// File is one exported stream.
type File struct {
	Format        string     `json:"format"`
	AggregateType string     `json:"aggregate_type"`
	AggregateID   uuid.UUID  `json:"aggregate_id"`
	ExportedAt    time.Time  `json:"exported_at"`
	Until         *time.Time `json:"until,omitempty"`
	Events        []Event    `json:"events"`
}

// Event is one stored event.
type Event struct {
	EventID        uuid.UUID       `json:"event_id"`
	Revision       int64           `json:"revision"`
	EventType      string          `json:"event_type"`
	SchemaVersion  int             `json:"schema_version"`
	RecordedAt     time.Time       `json:"recorded_at"`
	GlobalPosition int64           `json:"global_position"`
	Data           json.RawMessage `json:"data"`
	Metadata       json.RawMessage `json:"metadata"`
}

// Check reports what breaks the format's rules: the format name, an aggregate id, and
// revisions 1, 2, 3… in order (a stream is gapless), each event with a type and data.
func (f *File) Check() error {
	if f.Format != Format {
		return fmt.Errorf("%w: format %q", ErrFormat, f.Format)
	}
	if f.AggregateID == uuid.Nil || f.AggregateType == "" {
		return fmt.Errorf("%w: aggregate_type and aggregate_id are required", ErrFormat)
	}
	for i, e := range f.Events {
		if e.Revision != int64(i+1) {
			return fmt.Errorf("%w: event %d has revision %d, want %d", ErrFormat, i, e.Revision, i+1)
		}
		if e.EventType == "" || len(e.Data) == 0 {
			return fmt.Errorf("%w: revision %d has no event_type or data", ErrFormat, e.Revision)
		}
	}
	return nil
}

// Write encodes f, indented, after checking it.
func Write(w io.Writer, f File) error {
	if f.Format == "" {
		f.Format = Format
	}
	if f.Events == nil {
		f.Events = []Event{}
	}
	if err := f.Check(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// Read decodes and checks one stream file.
func Read(r io.Reader) (File, error) {
	var f File
	raw, err := io.ReadAll(r)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(bytes.TrimSpace(raw), &f); err != nil {
		return f, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return f, f.Check()
}

// ReadFile reads the stream file at path.
func ReadFile(path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer fh.Close()
	f, err := Read(fh)
	if err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
