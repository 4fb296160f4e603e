package envflag

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Row is one flag as a configuration table documents it.
type Row struct {
	Flag    string // --name
	Env     string // its twin, "" when none
	Default string // as --help shows it, "" when empty
	Usage   string
}

// Rows lists the visible flags of fs (help excluded) in fs's order.
func Rows(fs *pflag.FlagSet) []Row {
	var out []Row
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Hidden {
			return
		}
		usage := strings.TrimSuffix(f.Usage, " (env "+Env(f)+")")
		out = append(out, Row{Flag: "--" + f.Name, Env: Env(f), Default: f.DefValue, Usage: usage})
	})
	return out
}

// Markdown renders rows as a table with the columns CheckTable reads: the starting
// point of a README section, and what CheckTable suggests when a table has drifted.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| flag | env | default | meaning |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Flag, code(r.Env), code(r.Default), r.Usage)
	}
	return b.String()
}

func code(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

// CheckTable checks the first table after the line heading in md against fs: one row per
// visible flag, naming the flag's twin, its default cell starting with the flag's default
// as a code span ("—" for an empty default; durations compare by value), and no row for
// a flag fs lacks. Rows whose flag cell is "—" document environment-only settings and
// are skipped. Every mismatch is reported, followed by the table fs would produce.
func CheckTable(md []byte, heading string, fs *pflag.FlagSet) error {
	doc, err := readTable(md, heading)
	if err != nil {
		return err
	}
	var errs []error
	want := map[string]Row{}
	for _, r := range Rows(fs) {
		want[r.Flag] = r
		d, ok := doc[r.Flag]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: not documented", r.Flag))
		case d.Env != r.Env:
			errs = append(errs, fmt.Errorf("%s: documented env %q, flag's twin is %q", r.Flag, d.Env, r.Env))
		case !sameDefault(fs.Lookup(strings.TrimPrefix(r.Flag, "--")), d.Default):
			errs = append(errs, fmt.Errorf("%s: documented default %q, flag's is %q", r.Flag, d.Default, r.Default))
		}
	}
	for flag := range doc {
		if _, ok := want[flag]; !ok {
			errs = append(errs, fmt.Errorf("%s: documented but not a flag", flag))
		}
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("the flags as a table:\n%s", Markdown(Rows(fs))))
		return fmt.Errorf("envflag: table under %q: %w", heading, errors.Join(errs...))
	}
	return nil
}

func sameDefault(f *pflag.Flag, documented string) bool {
	if f.Value.Type() == "duration" {
		a, errA := time.ParseDuration(f.DefValue)
		b, errB := time.ParseDuration(documented)
		return errA == nil && errB == nil && a == b
	}
	return documented == f.DefValue
}

// readTable reads the table under heading: flag cell → Row (Env and Default unquoted).
func readTable(md []byte, heading string) (map[string]Row, error) {
	sc := bufio.NewScanner(bytes.NewReader(md))
	found := false
	var cols map[string]int
	rows := map[string]Row{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !found:
			found = line == heading
		case cols == nil && strings.HasPrefix(line, "|"):
			cols = header(cells(line))
			if cols == nil {
				return nil, fmt.Errorf("envflag: table under %q lacks a flag, env or default column", heading)
			}
		case cols != nil && strings.HasPrefix(line, "|---"):
		case cols != nil && strings.HasPrefix(line, "|"):
			c := cells(line)
			flag := unquote(c[cols["flag"]])
			if flag == "" {
				continue // an environment-only setting
			}
			rows[flag] = Row{Flag: flag, Env: unquote(c[cols["env"]]), Default: unquote(c[cols["default"]])}
		case cols != nil:
			return rows, nil
		case strings.HasPrefix(line, "#"):
			return nil, fmt.Errorf("envflag: no table under %q", heading)
		}
	}
	if cols == nil {
		return nil, fmt.Errorf("envflag: no table under %q", heading)
	}
	return rows, nil
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func header(c []string) map[string]int {
	cols := map[string]int{}
	for i, name := range c {
		cols[strings.ToLower(name)] = i
	}
	for _, need := range []string{"flag", "env", "default"} {
		if _, ok := cols[need]; !ok {
			return nil
		}
	}
	return cols
}

// unquote is the first code span of a cell, or "" when the cell starts with "—".
func unquote(cell string) string {
	if strings.HasPrefix(cell, "—") {
		return ""
	}
	start := strings.IndexByte(cell, '`')
	if start < 0 {
		return cell
	}
	end := strings.IndexByte(cell[start+1:], '`')
	if end < 0 {
		return cell
	}
	return cell[start+1 : start+1+end]
}
