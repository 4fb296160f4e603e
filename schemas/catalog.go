package schemas

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// avroFS holds the contract itself: one .avsc per event type and version,
// avro/<aggregate_type>/<EventType>.v<N>.avsc.
//
//go:embed avro
var avroFS embed.FS

// Schema is one catalog entry: the Avro schema of one event type at one
// version.
type Schema struct {
	AggregateType string // "user"
	EventType     string // "UserCreated"
	Version       int    // 1, 2, ...
	FullName      string // Avro full name, "recall.user.UserCreated"; the subject suffix
	Path          string // path inside the embedded FS, "avro/user/UserCreated.v2.avsc"
	Text          string // the schema text, as registered
}

// Subject is the TopicRecordNameStrategy subject of the schema on topic.
func (s Schema) Subject(topic string) string { return topic + "-" + s.FullName }

type schemaKey struct {
	eventType string
	version   int
}

type catalog struct {
	list    []Schema
	byKey   map[schemaKey]int
	current map[string]int
	// sealed is indexed by event type, then version: every event read asks for it, and
	// a string-keyed map answers several times faster than one keyed by a struct.
	sealed map[string][]sealing
}

// sealing is what a schema marks "recall.sealed": its sealed data fields and whether
// its metadata has reason_sealed.
type sealing struct {
	data   []string
	reason bool
}

// loadCatalog reads the embedded files once. A malformed embedded file is a
// build defect, not a runtime condition, so it panics (and every test fails).
var loadCatalog = sync.OnceValue(func() *catalog {
	c, err := readCatalog(avroFS)
	if err != nil {
		panic(err)
	}
	return c
})

func readCatalog(fsys fs.FS) (*catalog, error) {
	files, err := fs.Glob(fsys, "avro/*/*.avsc")
	if err != nil {
		return nil, fmt.Errorf("schemas: list embedded schemas: %w", err)
	}
	c := &catalog{byKey: map[schemaKey]int{}, current: map[string]int{}, sealed: map[string][]sealing{}}
	for _, p := range files {
		s, err := readSchemaFile(fsys, p)
		if err != nil {
			return nil, err
		}
		c.list = append(c.list, s)
	}
	// Registration follows this order, and a registry hands out ids in
	// registration order: keep it fixed (aggregate type, event type, version
	// as a number, so v10 follows v9).
	slices.SortFunc(c.list, func(a, b Schema) int {
		return cmp.Or(
			cmp.Compare(a.AggregateType, b.AggregateType),
			cmp.Compare(a.EventType, b.EventType),
			cmp.Compare(a.Version, b.Version),
		)
	})
	for i, s := range c.list {
		k := schemaKey{s.EventType, s.Version}
		if _, dup := c.byKey[k]; dup {
			return nil, fmt.Errorf("schemas: %s v%d defined twice", s.EventType, s.Version)
		}
		c.byKey[k] = i
		c.current[s.EventType] = max(c.current[s.EventType], s.Version)
		sl, err := readSealing(s)
		if err != nil {
			return nil, err
		}
		byVersion := c.sealed[k.eventType]
		if len(byVersion) <= k.version {
			byVersion = append(byVersion, make([]sealing, k.version+1-len(byVersion))...)
		}
		byVersion[k.version] = sl
		c.sealed[k.eventType] = byVersion
	}
	return c, nil
}

func readSchemaFile(fsys fs.FS, p string) (Schema, error) {
	aggregate := path.Base(path.Dir(p))
	base := strings.TrimSuffix(path.Base(p), ".avsc")
	eventType, v, ok := strings.Cut(base, ".v")
	version, err := strconv.Atoi(v)
	if !ok || err != nil || version < 1 {
		return Schema{}, fmt.Errorf("schemas: %s: file name is not <EventType>.v<N>.avsc", p)
	}
	text, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Schema{}, fmt.Errorf("schemas: read %s: %w", p, err)
	}
	var head struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	}
	if err := json.Unmarshal(text, &head); err != nil {
		return Schema{}, fmt.Errorf("schemas: %s: %w", p, err)
	}
	if head.Name != eventType || head.Namespace != "recall."+aggregate {
		return Schema{}, fmt.Errorf("schemas: %s: record is %s.%s, want recall.%s.%s",
			p, head.Namespace, head.Name, aggregate, eventType)
	}
	return Schema{
		AggregateType: aggregate,
		EventType:     eventType,
		Version:       version,
		FullName:      head.Namespace + "." + head.Name,
		Path:          p,
		Text:          string(text),
	}, nil
}

// Catalog returns every schema in a fixed order: aggregate type, event type,
// version. The slice is a copy; callers may keep or modify it.
func Catalog() []Schema { return slices.Clone(loadCatalog().list) }

// Lookup returns the schema of eventType at version, or an error wrapping
// ErrUnknownSchema.
func Lookup(eventType string, version int) (Schema, error) {
	c := loadCatalog()
	i, ok := c.byKey[schemaKey{eventType, version}]
	if !ok {
		return Schema{}, fmt.Errorf("%w: %s v%d", ErrUnknownSchema, eventType, version)
	}
	return c.list[i], nil
}

// CurrentVersion is the version new events of eventType are written with (the
// highest in the catalog), or 0 when the type is unknown.
func CurrentVersion(eventType string) int { return loadCatalog().current[eventType] }

func itoa(i int) string { return strconv.Itoa(i) }

// readSealing finds the fields a schema marks "recall.sealed": true. Only strings (or
// null-or-string) may be sealed, and only data fields and metadata.reason_sealed.
func readSealing(s Schema) (sealing, error) {
	type field struct {
		Name   string          `json:"name"`
		Type   json.RawMessage `json:"type"`
		Sealed bool            `json:"recall.sealed"`
	}
	var rec struct {
		Fields []struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
		} `json:"fields"`
	}
	var out sealing
	if err := json.Unmarshal([]byte(s.Text), &rec); err != nil {
		return out, fmt.Errorf("schemas: %s: %w", s.Path, err)
	}
	for _, top := range rec.Fields {
		var sub struct {
			Fields []field `json:"fields"`
		}
		if top.Name != "data" && top.Name != "metadata" || json.Unmarshal(top.Type, &sub) != nil {
			continue
		}
		for _, f := range sub.Fields {
			if !f.Sealed {
				continue
			}
			if k := kindOf(f.Type); k != kindString && k != kindNullableString {
				return out, fmt.Errorf("schemas: %s: sealed field %s is not a string", s.Path, f.Name)
			}
			switch {
			case top.Name == "data":
				out.data = append(out.data, f.Name)
			case top.Name == "metadata" && f.Name == "reason_sealed":
				out.reason = true
			default:
				return out, fmt.Errorf("schemas: %s: %s.%s cannot be sealed", s.Path, top.Name, f.Name)
			}
		}
	}
	return out, nil
}
