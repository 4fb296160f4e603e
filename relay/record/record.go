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
	source []byte                        // ce_source
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
	b := &Builder{opts: opts, source: []byte(opts.Source), topics: map[string]schemas.Registered{}}
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
	key, headers := b.keyAndHeaders(e, commitLSN)
	r := &kgo.Record{Topic: topic, Key: key, Value: value, Headers: headers}
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

// Header values that are the same on every record.
var (
	specVersion = []byte("1.0")
	contentType = []byte(ContentType)
)

// keyAndHeaders returns the record's key and headers. Their variable values share one
// buffer (and the headers one slice): the relay builds a record per event, and a dozen
// small allocations each were a tenth of its CPU.
func (b *Builder) keyAndHeaders(e schemas.Event, commitLSN string) ([]byte, []kgo.RecordHeader) {
	tp := Traceparent(e.Metadata)
	buf := make([]byte, 0, 2*len(e.AggregateID)+len(e.EventID)+len(commitLSN)+len(tp)+
		len(e.AggregateType)+len(e.EventType)+len("recall...v")+3*20+len(time.RFC3339Nano)+8)
	cut := func(start int) []byte { return buf[start:len(buf):len(buf)] }
	n := len(buf)
	buf = append(buf, e.AggregateID...)
	key := cut(n)
	n = len(buf)
	buf = append(buf, e.EventID...)
	id := cut(n)
	n = len(buf)
	buf = append(append(append(append(append(buf, "recall."...), e.AggregateType...), '.'), e.EventType...), ".v"...)
	buf = strconv.AppendInt(buf, int64(e.SchemaVersion), 10)
	typ := cut(n)
	n = len(buf)
	buf = e.RecordedAt.UTC().AppendFormat(buf, time.RFC3339Nano)
	at := cut(n)
	n = len(buf)
	buf = strconv.AppendInt(buf, e.Revision, 10)
	rev := cut(n)
	n = len(buf)
	buf = strconv.AppendInt(buf, e.GlobalPosition, 10)
	pos := cut(n)
	n = len(buf)
	buf = append(buf, commitLSN...)
	lsn := cut(n)
	h := make([]kgo.RecordHeader, 0, 13) // 11, and a signature's 2
	h = append(h,
		kgo.RecordHeader{Key: HeaderSpecVersion, Value: specVersion},
		kgo.RecordHeader{Key: HeaderID, Value: id},
		kgo.RecordHeader{Key: HeaderType, Value: typ},
		kgo.RecordHeader{Key: HeaderSource, Value: b.source},
		kgo.RecordHeader{Key: HeaderSubject, Value: key},
		kgo.RecordHeader{Key: HeaderTime, Value: at},
		kgo.RecordHeader{Key: HeaderContentType, Value: contentType},
		kgo.RecordHeader{Key: HeaderRevision, Value: rev},
		kgo.RecordHeader{Key: HeaderGlobalPosition, Value: pos},
		kgo.RecordHeader{Key: HeaderCommitLSN, Value: lsn},
	)
	if tp != "" {
		n = len(buf)
		buf = append(buf, tp...)
		h = append(h, kgo.RecordHeader{Key: HeaderTraceparent, Value: cut(n)})
	}
	return key, h
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
