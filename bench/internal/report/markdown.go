package report

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Markdown writes the table of res.
func Markdown(w io.Writer, res Result) {
	fmt.Fprintln(w, "| | measurement | Recall | baseline, same run | ratio | goal | meets |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range Rows(res) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Ref, r.What, r.Recall, dash(r.Baseline), dash(r.Ratio), r.Goal, meets(r.Meets))
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "\nskipped: %s\n", s)
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func meets(b *bool) string {
	switch {
	case b == nil:
		return "—"
	case *b:
		return "yes"
	default:
		return "**no**"
	}
}

// AppendDoc appends a dated section with the machine, the sizes, the table and the
// figures that miss their goal to the markdown file at path.
func AppendDoc(path string, res Result) error {
	var b strings.Builder
	m := res.Machine
	fmt.Fprintf(&b, "\n## %s — `%s` profile (bench/cmd/bench, %.0f s)\n\n", res.Started.UTC().Format("2006-01-02 15:04 MST"), res.Profile, res.Seconds)
	fmt.Fprintf(&b, "Machine: %d × %s, %.1f GiB, PostgreSQL %s (fsync on), %s, %s; shared with other runs "+
		"(1-min load average %s at the start, %s at the end).\n\n",
		m.CPUs, m.CPUModel, m.MemoryGiB, m.Postgres, m.Go, m.OS, m.LoadStart, m.LoadEnd)
	fmt.Fprintf(&b, "Sizes: %s.\n\n", sizes(res.Sizes))
	Markdown(&b, res)
	var short []string
	for _, r := range Rows(res) {
		if r.Meets != nil && !*r.Meets {
			short = append(short, fmt.Sprintf("- (%s) %s: %s against %s", r.Ref, r.What, r.Recall, r.Goal))
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "\nShort of the goal in this run:\n\n%s\n", strings.Join(short, "\n"))
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	_, err = f.WriteString(b.String())
	return err
}

func sizes(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + m[k]
	}
	return strings.Join(parts, ", ")
}
