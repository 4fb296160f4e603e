package dlq

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
)

// ErrNothingSelected: the selection names no open dead letter.
var ErrNothingSelected = errors.New("dlq: no open dead letter selected")

// ErrUnsupported: this build cannot apply the dead letter's projection.
var ErrUnsupported = errors.New("dlq: projection not supported by this build")

// Selection names dead letters by id, by aggregate, or all.
type Selection struct {
	IDs         []int64
	AggregateID string
	Projection  string
	All         bool
}

func (s Selection) validate() error {
	n := 0
	for _, set := range []bool{len(s.IDs) > 0, s.AggregateID != "", s.All} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New("dlq: name dead letters by id, by --aggregate, or --all (exactly one)")
	}
	return nil
}

// Works is the dead-letter queue of one read-model database.
type Works struct {
	pool    *pgxpool.Pool
	decoder projection.Decoder
	keys    *subjectkeys.Keyring
}

// WithKeys lets a retry open sealed personal fields (as the projector does) with keys;
// without them, a dead letter of a sealed event cannot be retried.
func (w *Works) WithKeys(keys *subjectkeys.Keyring) *Works { w.keys = keys; return w }

// New returns Works on pool, decoding record values with d (nil: show and
// retry cannot decode).
func New(pool *pgxpool.Pool, d projection.Decoder) *Works { return &Works{pool: pool, decoder: d} }

// Summary counts dead letters per projection and error kind.
type Summary struct {
	Projection string `json:"projection"`
	Kind       string `json:"error_kind"`
	Open       int    `json:"open"`
	Resolved   int    `json:"resolved"`
}

// Listing is what list shows.
type Listing struct {
	DeadLetters []readmodel.DeadLetter `json:"dead_letters"`
	Summary     []Summary              `json:"summary"`
}

// List returns the dead letters f selects and a summary per error kind.
func (w *Works) List(ctx context.Context, f readmodel.DeadLetterFilter) (Listing, error) {
	ds, err := readmodel.ListDeadLetters(ctx, w.pool, f)
	if err != nil {
		return Listing{}, err
	}
	for i := range ds {
		ds[i].Headers = nil // show has them; a list stays readable
	}
	return Listing{DeadLetters: ds, Summary: summarize(ds)}, nil
}

func summarize(ds []readmodel.DeadLetter) []Summary {
	by := map[[2]string]*Summary{}
	for _, d := range ds {
		k := [2]string{d.Projection, d.Kind}
		s := by[k]
		if s == nil {
			s = &Summary{Projection: d.Projection, Kind: d.Kind}
			by[k] = s
		}
		if d.Open() {
			s.Open++
		} else {
			s.Resolved++
		}
	}
	out := make([]Summary, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Projection != out[j].Projection {
			return out[i].Projection < out[j].Projection
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// selected returns the open dead letters s names.
func (w *Works) selected(ctx context.Context, s Selection) ([]readmodel.DeadLetter, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	ds, err := readmodel.ListDeadLetters(ctx, w.pool, readmodel.DeadLetterFilter{IDs: s.IDs, AggregateID: s.AggregateID,
		Projection: s.Projection, OpenOnly: true})
	if err != nil {
		return nil, err
	}
	if len(s.IDs) > 0 && len(ds) != len(s.IDs) {
		return nil, fmt.Errorf("%w: of ids %v only %d are open dead letters", ErrNothingSelected, s.IDs, len(ds))
	}
	if len(ds) == 0 {
		return nil, ErrNothingSelected
	}
	return ds, nil
}

// usersVersion parses "users.v<N>".
func usersVersion(name string) (int, error) {
	v, ok := strings.CutPrefix(name, users.Name+".v")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || !readmodel.UsersSupported(n) {
		return 0, fmt.Errorf("%w: %q", ErrUnsupported, name)
	}
	return n, nil
}

// handler returns the apply path of projection name.
func (w *Works) handler(name string) (projection.Handler, error) {
	v, err := usersVersion(name)
	if err != nil {
		return nil, err
	}
	return users.New(w.pool, v, w.keys)
}
