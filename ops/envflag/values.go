package envflag

import (
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

// List is a comma-separated list flag (Kafka brokers): items are trimmed, empty ones
// dropped, and a new value replaces the default rather than appending to it.
type List struct{ p *[]string }

// NewList binds p, keeping its current value as the default.
func NewList(p *[]string) *List { return &List{p: p} }

// Set implements pflag.Value.
func (l *List) Set(s string) error {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	*l.p = out
	return nil
}

func (l *List) String() string { return strings.Join(*l.p, ",") }

// Type implements pflag.Value.
func (l *List) Type() string { return "list" }

// Level is a log-level flag: debug, info, warn, error (slog's names).
type Level struct{ p *slog.Level }

// NewLevel binds p.
func NewLevel(p *slog.Level) *Level { return &Level{p: p} }

// Set implements pflag.Value.
func (l *Level) Set(s string) error { return l.p.UnmarshalText([]byte(s)) }

func (l *Level) String() string { return strings.ToLower(l.p.String()) }

// Type implements pflag.Value.
func (l *Level) Type() string { return "level" }

var (
	_ pflag.Value = (*List)(nil)
	_ pflag.Value = (*Level)(nil)
)
