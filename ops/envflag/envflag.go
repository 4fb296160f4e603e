package envflag

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Annotations of a flag: its twin, then its deprecated aliases; whether it is a secret.
const (
	annotation       = "recall_env"
	secretAnnotation = "recall_env_only"
)

// Bind makes env the environment twin of flag name in fs; deprecated names are read when
// env is unset. The flag's usage gains "(env NAME)", which --help shows. Bind panics when
// the flag does not exist: a programming error, found by the first test that builds fs.
func Bind(fs *pflag.FlagSet, name, env string, deprecated ...string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("envflag: no flag --" + name)
	}
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[annotation] = append([]string{env}, deprecated...)
	f.Usage = strings.TrimSpace(f.Usage + " (env " + env + ")")
}

// Env is the environment twin of f, or "" when it has none.
func Env(f *pflag.Flag) string {
	if names := f.Annotations[annotation]; len(names) > 0 {
		return names[0]
	}
	return ""
}

// Apply sets every flag of fs that the command line did not set from its twin (or a
// deprecated alias) in getenv. An empty variable counts as unset. It returns every
// problem joined, each naming the variable.
func Apply(fs *pflag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed && f.Annotations[secretAnnotation] != nil {
			errs = append(errs, fmt.Errorf("--%s: set %s instead (a flag's value shows in ps)", f.Name, Env(f)))
		}
		if f.Changed {
			return
		}
		for _, env := range f.Annotations[annotation] {
			v := getenv(env)
			if v == "" {
				continue
			}
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
			return
		}
	})
	return errors.Join(errs...)
}

// Parse parses args into fs, then applies the environment: what Execute does for a
// cobra command, for tests and callers without one.
func Parse(fs *pflag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return Apply(fs, getenv)
}

// Unbound lists the visible flags of fs without an environment twin (help excluded).
func Unbound(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && !f.Hidden && Env(f) == "" {
			out = append(out, f.Name)
		}
	})
	return out
}

// Alias makes --old a deprecated spelling of --name on fs: the command line may use
// either, --help shows only --name.
func Alias(fs *pflag.FlagSet, old, name string) {
	prev := fs.GetNormalizeFunc()
	fs.SetNormalizeFunc(func(f *pflag.FlagSet, n string) pflag.NormalizedName {
		if n == old {
			n = name
		}
		return prev(f, n)
	})
}

// Secret binds p to the environment variable env alone: a hidden flag that Apply fills
// from env and refuses on the command line, where any user could read it in ps.
func Secret(fs *pflag.FlagSet, p *string, name, env string) {
	fs.StringVar(p, name, *p, "")
	_ = fs.MarkHidden(name)
	Bind(fs, name, env)
	fs.Lookup(name).Annotations[secretAnnotation] = []string{"true"}
}
