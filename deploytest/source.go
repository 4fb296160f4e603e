package deploytest

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// envNamePattern matches the environment variables Recall's binaries read:
// DATABASE_URL, the RECALL_* family and OpenTelemetry's OTEL_* (ops/tracing).
var envNamePattern = regexp.MustCompile(`\b(RECALL_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL|OTEL_[A-Z0-9_]*[A-Z0-9])\b`)

// goSources calls fn for every non-test Go file under dir, skipping testdata
// and vendor folders.
func goSources(dir string, fn func(path string, src []byte) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") && path != dir {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fn(path, src)
	})
}

// envNames returns the environment variable names that appear in string
// literals (struct tags included) of the non-test Go files under dir: the
// names a binary built from there can read. Comments do not count.
func envNames(dir string) (map[string]bool, error) {
	names := map[string]bool{}
	err := goSources(dir, func(path string, src []byte) error {
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(path, -1, len(src)), src, nil, 0)
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				return nil
			}
			if tok != token.STRING {
				continue
			}
			for _, m := range envNamePattern.FindAllString(lit, -1) {
				names[m] = true
			}
		}
	})
	return names, err
}

// metricNames returns the fully qualified names of the Prometheus metrics the
// non-test Go files under dir register: every prometheus.{Counter,Gauge,
// Histogram,Summary}Opts literal (Namespace_Subsystem_Name, as
// prometheus.BuildFQName joins them), every prometheus.NewDesc and every
// BuildFQName call, with string constants of the same package resolved.
func metricNames(dir string) (map[string]bool, error) {
	names := map[string]bool{}
	pkgs := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := goSources(dir, func(path string, src []byte) error {
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, files := range pkgs {
		consts := stringConsts(files)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				if name := metricName(n, consts); name != "" {
					names[name] = true
				}
				for _, name := range kpromNames(n, consts) {
					names[name] = true
				}
				return true
			})
		}
	}
	return names, nil
}

// stringConsts maps the package-level (and local) string constants of one
// package to their values.
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			gd, ok := n.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				return true
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := literal(vs.Values[i], consts); ok {
							consts[id.Name] = v
						}
					}
				}
			}
			return true
		})
	}
	return consts
}

// literal evaluates a string literal, a known constant or a + of them.
func literal(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.SelectorExpr:
		s, ok := consts[e.Sel.Name]
		return s, ok
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(e.X, consts)
		b, ok2 := literal(e.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(e.X, consts)
	}
	return "", false
}

var optsTypes = map[string]bool{
	"CounterOpts": true, "GaugeOpts": true, "HistogramOpts": true, "SummaryOpts": true,
	"CounterVecOpts": true, "GaugeVecOpts": true, "HistogramVecOpts": true, "SummaryVecOpts": true,
}

// metricName is the metric a node declares, or "".
func metricName(n ast.Node, consts map[string]string) string {
	switch n := n.(type) {
	case *ast.CompositeLit:
		sel, ok := n.Type.(*ast.SelectorExpr)
		if !ok || !optsTypes[sel.Sel.Name] {
			return ""
		}
		parts := map[string]string{}
		for _, el := range n.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			key, ok := kv.Key.(*ast.Ident)
			if !ok {
				continue
			}
			if v, ok := literal(kv.Value, consts); ok {
				parts[key.Name] = v
			}
		}
		return fqName(parts["Namespace"], parts["Subsystem"], parts["Name"])
	case *ast.CallExpr:
		sel, ok := n.Fun.(*ast.SelectorExpr)
		if !ok || len(n.Args) == 0 {
			return ""
		}
		switch sel.Sel.Name {
		case "NewDesc":
			if call, ok := n.Args[0].(*ast.CallExpr); ok {
				return metricName(call, consts)
			}
			s, _ := literal(n.Args[0], consts)
			return s
		case "BuildFQName":
			if len(n.Args) != 3 {
				return ""
			}
			var p [3]string
			for i, a := range n.Args {
				p[i], _ = literal(a, consts)
			}
			return fqName(p[0], p[1], p[2])
		}
	}
	return ""
}

// kpromMetrics are the metrics franz-go's kprom plugin (v1.2) registers for a
// client, under the namespace given to kprom.NewMetrics: the counters it
// always has and the histograms and details its options can enable.
var kpromMetrics = []string{
	"connects_total", "connect_errors_total", "disconnects_total",
	"write_bytes_total", "write_errors_total", "write_wait_seconds", "write_time_seconds",
	"read_bytes_total", "read_errors_total", "read_wait_seconds", "read_time_seconds",
	"request_duration_e2e_seconds", "request_throttled_seconds",
	"produce_bytes_total", "produce_compressed_bytes_total", "produce_uncompressed_bytes_total",
	"produce_batches_total", "produce_records_total",
	"fetch_bytes_total", "fetch_compressed_bytes_total", "fetch_uncompressed_bytes_total",
	"fetch_batches_total", "fetch_records_total",
	"buffered_produce_records_total", "buffered_fetch_records_total",
}

// kpromNames are the metrics a kprom.NewMetrics(namespace, ...) call registers.
func kpromNames(n ast.Node, consts map[string]string) []string {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "NewMetrics" {
		return nil
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "kprom" {
		return nil
	}
	ns, ok := literal(call.Args[0], consts)
	if !ok {
		return nil
	}
	var names []string
	for _, m := range kpromMetrics {
		names = append(names, fqName(ns, "", m))
	}
	return names
}

// fqName joins like prometheus.BuildFQName: empty parts are left out, and no
// name means no metric.
func fqName(namespace, subsystem, name string) string {
	if name == "" {
		return ""
	}
	var parts []string
	for _, p := range []string{namespace, subsystem, name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "_")
}
