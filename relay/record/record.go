package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/schemas"
)

// Header names of the contract.
const (
	HeaderSpecVersion    = "ce_specversion"
	HeaderID             = "ce_id"
	HeaderType           = "ce_type"
	HeaderSource         = "ce_source"
	HeaderSubject        = "ce_subject"
	HeaderTime           = "ce_time"
	HeaderContentType    = "content-type"
	HeaderRevision       = "recall_revision"
	HeaderGlobalPosition = "recall_global_position"
	HeaderCommitLSN      = "recall_commit_lsn"
	HeaderTraceparent    = "traceparent"
	// The signature's headers, when Options.Signer is set (schemas.Keyring).
	HeaderSignatureKey = "recall_signature_key" // = schemas.HeaderSignatureKey (TestBuild checks)
	HeaderSignature    = "recall_signature"     // = schemas.HeaderSignature
)

// Defaults of Options.
const (
	DefaultTopicPrefix = "recall"
	DefaultSource      = "/recall/eventstore"
	ContentType        = "application/avro"
)

// ErrNoTopic: an event of an aggregate type whose topic has no registered schemas.
var ErrNoTopic = errors.New("record: no schemas registered for the event's topic")

// Options configure a Builder. Zero fields take the defaults.
type Options struct {
	TopicPrefix string // DefaultTopicPrefix
	Source      string // ce_source; DefaultSource
	// Signer, when set, signs every record with its active key (headers
	// recall_signature_key and recall_signature, see schemas.Keyring).
	Signer *schemas.Keyring
}

// Topic is the topic of an aggregate type: <prefix>.<aggregate_type>.events.
func Topic(prefix, aggregateType string) string {
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	return prefix + "." + aggregateType + ".events"
}

// Builder builds records. It is read-only after NewBuilder, so safe for concurrent use.
type Builder struct {
	opts   Options
	topics map[string]schemas.Registered // aggregate type → its topic's schema ids
}

// NewBuilder returns a Builder framing values with the schema ids in regs (one
// schemas.Register result per topic).
func NewBuilder(opts Options, regs ...schemas.Registered) *Builder {
	if opts.TopicPrefix == "" {
		opts.TopicPrefix = DefaultTopicPrefix
	}
	if opts.Source == "" {
		opts.Source = DefaultSource
	}
	b := &Builder{opts: opts, topics: map[string]schemas.Registered{}}
	for _, r := range regs {
		b.topics[r.Topic] = r
	}
	return b
}

// Build returns the record of e. commitLSN is the commit LSN of e's transaction in
// PostgreSQL's text form ("16/B374D848").
func (b *Builder) Build(e schemas.Event, commitLSN string) (*kgo.Record, error) {
	topic := Topic(b.opts.TopicPrefix, e.AggregateType)
	reg, ok := b.topics[topic]
	if !ok {
		return nil, fmt.Errorf("%w: %s (event %s)", ErrNoTopic, topic, e.EventID)
	}
	value, err := reg.AppendValue(make([]byte, 0, schemas.HeaderSize+64+len(e.Data)+len(e.Metadata)), e)
	if err != nil {
		return nil, fmt.Errorf("record: event %s: %w", e.EventID, err)
	}
	r := &kgo.Record{
		Topic:   topic,
		Key:     []byte(e.AggregateID),
		Value:   value,
		Headers: b.headers(e, commitLSN),
	}
	if b.opts.Signer != nil {
		sig, err := b.opts.Signer.Sign(r.Key, r.Value, Headers(r))
		if err != nil {
			return nil, fmt.Errorf("record: sign event %s: %w", e.EventID, err)
		}
		for _, h := range sig {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
	}
	return r, nil
}

// Headers converts r's headers for schemas.Keyring (signing and verifying).
func Headers(r *kgo.Record) []schemas.Header {
	out := make([]schemas.Header, len(r.Headers))
	for i, h := range r.Headers {
		out[i] = schemas.Header{Key: h.Key, Value: h.Value}
	}
	return out
}

func (b *Builder) headers(e schemas.Event, commitLSN string) []kgo.RecordHeader {
	h := make([]kgo.RecordHeader, 0, 13)
	h = append(h,
		kgo.RecordHeader{Key: HeaderSpecVersion, Value: []byte("1.0")},
		kgo.RecordHeader{Key: HeaderID, Value: []byte(e.EventID)},
		kgo.RecordHeader{Key: HeaderType, Value: []byte(e.CEType())},
		kgo.RecordHeader{Key: HeaderSource, Value: []byte(b.opts.Source)},
		kgo.RecordHeader{Key: HeaderSubject, Value: []byte(e.AggregateID)},
		kgo.RecordHeader{Key: HeaderTime, Value: e.RecordedAt.UTC().AppendFormat(nil, time.RFC3339Nano)},
		kgo.RecordHeader{Key: HeaderContentType, Value: []byte(ContentType)},
		kgo.RecordHeader{Key: HeaderRevision, Value: strconv.AppendInt(nil, e.Revision, 10)},
		kgo.RecordHeader{Key: HeaderGlobalPosition, Value: strconv.AppendInt(nil, e.GlobalPosition, 10)},
		kgo.RecordHeader{Key: HeaderCommitLSN, Value: []byte(commitLSN)},
	)
	if tp := Traceparent(e.Metadata); tp != "" {
		h = append(h, kgo.RecordHeader{Key: HeaderTraceparent, Value: []byte(tp)})
	}
	return h
}

// Traceparent returns the traceparent of stored metadata, or "". Most events carry none,
// so the JSON is parsed only when the key appears in it.
func Traceparent(metadata json.RawMessage) string {
	if !bytes.Contains(metadata, []byte(`"traceparent"`)) {
		return ""
	}
	var m struct {
		Traceparent string `json:"traceparent"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return ""
	}
	return m.Traceparent
}

// Header returns the value of header key in r, or nil.
func Header(r *kgo.Record, key string) []byte {
	for _, h := range r.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}
