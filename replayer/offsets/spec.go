package offsets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is how a reset chooses each partition's target offset.
type Kind int

const (
	ToEarliest Kind = iota + 1
	ToLatest
	ToOffset
	ToDatetime
	ByDuration
	ShiftBy
	ToCurrent
	FromFile
)

func (k Kind) String() string {
	switch k {
	case ToEarliest:
		return "to-earliest"
	case ToLatest:
		return "to-latest"
	case ToOffset:
		return "to-offset"
	case ToDatetime:
		return "to-datetime"
	case ByDuration:
		return "by-duration"
	case ShiftBy:
		return "shift-by"
	case ToCurrent:
		return "to-current"
	case FromFile:
		return "from-file"
	}
	return "unknown"
}

// Spec is one reset target. Only the field of its Kind is meaningful.
type Spec struct {
	Kind     Kind
	Offset   int64         // ToOffset
	At       time.Time     // ToDatetime
	Duration time.Duration // ByDuration: now minus this
	Shift    int64         // ShiftBy
	File     Targets       // FromFile: the offset of every partition to reset
}

// Targets are offsets by topic and partition, as a CSV of --export holds them.
type Targets map[string]map[int32]int64

// Topics are the partitions the targets name.
func (t Targets) Topics() Topics {
	ts := Topics{}
	for topic, ps := range t {
		for p := range ps {
			ts[topic] = append(ts[topic], p)
		}
	}
	return ts
}

// ReadCSV reads what Plan.WriteCSV and kafka-consumer-groups --export write: one
// topic,partition,offset line per partition.
func ReadCSV(r io.Reader) (Targets, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	t := Targets{}
	for i, row := range rows {
		if len(row) != 3 {
			return nil, fmt.Errorf("%w: line %d: want topic,partition,offset", ErrSpec, i+1)
		}
		p, errP := strconv.ParseInt(row[1], 10, 32)
		o, errO := strconv.ParseInt(row[2], 10, 64)
		if row[0] == "" || errP != nil || p < 0 || errO != nil || o < 0 {
			return nil, fmt.Errorf("%w: line %d: %q is not topic,partition,offset", ErrSpec, i+1, strings.Join(row, ","))
		}
		if t[row[0]] == nil {
			t[row[0]] = map[int32]int64{}
		}
		t[row[0]][int32(p)] = o
	}
	if len(t) == 0 {
		return nil, fmt.Errorf("%w: the file names no partition", ErrSpec)
	}
	return t, nil
}

func (s Spec) String() string {
	switch s.Kind {
	case ToOffset:
		return fmt.Sprintf("%s %d", s.Kind, s.Offset)
	case ToDatetime:
		return fmt.Sprintf("%s %s", s.Kind, s.At.Format(time.RFC3339Nano))
	case ByDuration:
		return fmt.Sprintf("%s %s", s.Kind, s.Duration)
	case ShiftBy:
		return fmt.Sprintf("%s %+d", s.Kind, s.Shift)
	case FromFile:
		n := 0
		for _, ps := range s.File {
			n += len(ps)
		}
		return fmt.Sprintf("%s (%d partitions)", s.Kind, n)
	}
	return s.Kind.String()
}

// SpecFlags are the command-line flags of a reset, as typed.
type SpecFlags struct {
	ToEarliest, ToLatest bool
	ToCurrent            bool
	FromFile             string // path of a CSV as --export writes it
	ToOffset             string
	ToDatetime           string
	ByDuration           string
	ShiftBy              string
}

// ErrSpec: the reset flags do not name exactly one valid target.
var ErrSpec = errors.New("offsets: reset target")

// ParseSpec turns the flags into a Spec; exactly one must be given.
func ParseSpec(f SpecFlags) (Spec, error) {
	var specs []Spec
	var errs []error
	if f.ToEarliest {
		specs = append(specs, Spec{Kind: ToEarliest})
	}
	if f.ToLatest {
		specs = append(specs, Spec{Kind: ToLatest})
	}
	if f.ToCurrent {
		specs = append(specs, Spec{Kind: ToCurrent})
	}
	if f.FromFile != "" {
		t, err := readCSVFile(f.FromFile)
		if err != nil {
			errs = append(errs, err)
		}
		specs = append(specs, Spec{Kind: FromFile, File: t})
	}
	if f.ToOffset != "" {
		n, err := strconv.ParseInt(f.ToOffset, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("--to-offset %q: want a non-negative integer", f.ToOffset))
		}
		specs = append(specs, Spec{Kind: ToOffset, Offset: n})
	}
	if f.ToDatetime != "" {
		at, err := parseDatetime(f.ToDatetime)
		if err != nil {
			errs = append(errs, err)
		}
		specs = append(specs, Spec{Kind: ToDatetime, At: at})
	}
	if f.ByDuration != "" {
		d, err := ParseISODuration(f.ByDuration)
		if err != nil {
			errs = append(errs, fmt.Errorf("--by-duration: %w", err))
		}
		specs = append(specs, Spec{Kind: ByDuration, Duration: d})
	}
	if f.ShiftBy != "" {
		n, err := strconv.ParseInt(f.ShiftBy, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("--shift-by %q: want a signed integer such as -100 or +50", f.ShiftBy))
		}
		specs = append(specs, Spec{Kind: ShiftBy, Shift: n})
	}
	if len(specs) != 1 {
		errs = append(errs, fmt.Errorf("give exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --to-datetime, --by-duration, --shift-by, --from-file (got %d)", len(specs)))
	}
	if err := errors.Join(errs...); err != nil {
		return Spec{}, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return specs[0], nil
}

func readCSVFile(path string) (Targets, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--from-file: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("--from-file %s: %w", path, err)
	}
	return t, nil
}

// parseDatetime accepts RFC 3339 and kafka-consumer-groups' 'YYYY-MM-DDTHH:mm:SS.sss'
// (no zone: UTC, where the Kafka tool would use the local zone; say so in the error).
func parseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--to-datetime %q: want RFC 3339 such as 2026-03-15T15:47:00Z (a time without a zone is read as UTC)", s)
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// ParseISODuration parses the ISO 8601 durations kafka-consumer-groups takes (PnDTnHnMnS,
// e.g. PT1H, P1DT12H, PT0.5S). Years, months and weeks are refused: their length varies.
func ParseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT1H or P1DT2H30M", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] != "" {
			n, err := strconv.ParseInt(m[i+1], 10, 64)
			if err != nil || n > int64(1<<62)/int64(unit) {
				return 0, fmt.Errorf("%q: too large", s)
			}
			d += time.Duration(n) * unit
		}
	}
	if m[4] != "" {
		f, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", s, err)
		}
		d += time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: the duration must be positive", s)
	}
	return d, nil
}
