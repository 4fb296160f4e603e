package deploytest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

var (
	schemasDir   = filepath.Join(root, "schemas")
	asyncAPIPath = filepath.Join(schemasDir, "asyncapi.yaml")
)

// avroFormat is the schemaFormat of every Avro payload.
const avroFormat = "application/vnd.apache.avro;version=1.9.0"

func loadAsyncAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(readFile(t, asyncAPIPath), &doc); err != nil {
		t.Fatalf("asyncapi.yaml: %v", err)
	}
	return doc
}

// at follows a path of map keys.
func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestAsyncAPIIsValid validates the document against the official AsyncAPI
// 3.0.0 JSON Schema (testdata/asyncapi-3.0.0.schema.json.gz, from the npm
// package @asyncapi/specs 6.11.1, Apache-2.0), bindings included.
func TestAsyncAPIIsValid(t *testing.T) {
	gz, err := gzip.NewReader(bytes.NewReader(readFile(t, filepath.Join("testdata", "asyncapi-3.0.0.schema.json.gz"))))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := jsonschema.UnmarshalJSON(gz)
	if err != nil {
		t.Fatal(err)
	}
	const id = "http://asyncapi.com/definitions/3.0.0/asyncapi.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, spec); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile the AsyncAPI schema: %v", err)
	}
	js, err := sigsyaml.YAMLToJSON(readFile(t, asyncAPIPath))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("asyncapi.yaml is not valid AsyncAPI 3.0.0: %v", err)
	}
}

// avscFiles lists schemas/avro/**/*.avsc relative to schemas/.
func avscFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(schemasDir, "avro"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".avsc") {
			rel, _ := filepath.Rel(schemasDir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .avsc files found")
	}
	return files
}

var avscName = regexp.MustCompile(`^avro/([a-z_]+)/([A-Za-z]+)\.v([0-9]+)\.avsc$`)

// TestAsyncAPINamesEverySchema: every .avsc in schemas/avro is the payload of
// a message on the event topic, published by the relay's operation, with the
// ce_type the relay gives it; no schema can ship undocumented.
func TestAsyncAPINamesEverySchema(t *testing.T) {
	doc := loadAsyncAPI(t)
	messages, _ := at(doc, "components", "messages").(map[string]any)
	byFile := map[string]string{} // avsc path -> message key
	for key, m := range messages {
		if at(m, "payload", "schemaFormat") != avroFormat {
			continue
		}
		ref, _ := at(m, "payload", "schema", "$ref").(string)
		file := strings.TrimPrefix(ref, "./")
		if prev, dup := byFile[file]; dup {
			t.Errorf("%s and %s both reference %s", prev, key, ref)
		}
		byFile[file] = key
	}
	channel, _ := at(doc, "channels", "userEvents", "messages").(map[string]any)
	var opRefs []string
	for _, r := range at(doc, "operations", "publishUserEvents", "messages").([]any) {
		opRefs = append(opRefs, at(r, "$ref").(string))
	}
	for _, file := range avscFiles(t) {
		key, ok := byFile[file]
		if !ok {
			t.Errorf("%s is not the payload of any message in asyncapi.yaml", file)
			continue
		}
		delete(byFile, file)
		if at(channel, key, "$ref") != "#/components/messages/"+key {
			t.Errorf("message %s is not on channel userEvents", key)
		}
		if !slices.Contains(opRefs, "#/channels/userEvents/messages/"+key) {
			t.Errorf("message %s is not in operation publishUserEvents", key)
		}
		m := avscName.FindStringSubmatch(file)
		if m == nil {
			t.Errorf("%s: not avro/<aggregate>/<Event>.v<N>.avsc", file)
			continue
		}
		if got, want := at(messages[key], "name"), m[2]; got != want {
			t.Errorf("message %s: name %v, want %s", key, got, want)
		}
		ceType := fmt.Sprintf("recall.%s.%s.v%s", m[1], m[2], m[3])
		if got := messageCEType(messages[key]); got != ceType {
			t.Errorf("message %s: ce_type const %q, want %q", key, got, ceType)
		}
		var avsc struct{ Name, Namespace string }
		if err := json.Unmarshal(readFile(t, filepath.Join(schemasDir, file)), &avsc); err != nil {
			t.Errorf("%s: %v", file, err)
		} else if full := avsc.Namespace + "." + avsc.Name; full != "recall."+m[1]+"."+m[2] {
			t.Errorf("%s: record %s, want recall.%s.%s", file, full, m[1], m[2])
		}
	}
	for file, key := range byFile {
		t.Errorf("message %s references %s, which does not exist", key, file)
	}
}

func messageCEType(m any) string {
	all, _ := at(m, "headers", "allOf").([]any)
	for _, part := range all {
		if s, ok := at(part, "properties", "ce_type", "const").(string); ok {
			return s
		}
	}
	return ""
}

// TestAsyncAPIRefsResolve: every local $ref points at something, every file
// $ref at a file.
func TestAsyncAPIRefsResolve(t *testing.T) {
	doc := loadAsyncAPI(t)
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if p, local := strings.CutPrefix(ref, "#/"); local {
					if at(doc, strings.Split(p, "/")...) == nil {
						t.Errorf("%s: $ref %s resolves to nothing", where, ref)
					}
				} else if !exists(filepath.Join(schemasDir, ref)) {
					t.Errorf("%s: $ref %s: no such file", where, ref)
				}
			}
			for k, c := range v {
				walk(c, where+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", where, i))
			}
		}
	}
	walk(doc, "")
}

// headerConsts returns the values of the constants named Header* declared in
// the Go package in dir: the header names a service writes.
func headerConsts(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var out []string
	for name, v := range stringConsts(files) {
		if strings.HasPrefix(name, "Header") {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Header* constants in %s", dir)
	}
	slices.Sort(out)
	return out
}

// TestAsyncAPIHeadersMatchTheServices: the header names the relay writes
// (relay/record) are the documented event headers, and the projector's DLQ
// headers (projector/projection) are documented on the dead letter.
func TestAsyncAPIHeadersMatchTheServices(t *testing.T) {
	doc := loadAsyncAPI(t)
	eventProps, _ := at(doc, "components", "schemas", "EventHeaders", "properties").(map[string]any)
	documented := sortedKeys(eventProps)
	relay := headerConsts(t, filepath.Join(root, "relay", "record"))
	if !slices.Equal(relay, documented) {
		t.Errorf("relay writes headers %v; asyncapi.yaml documents %v", relay, documented)
	}
	dlq := map[string]bool{}
	for _, part := range at(doc, "components", "schemas", "DeadLetterHeaders", "allOf").([]any) {
		props, _ := at(part, "properties").(map[string]any)
		for k := range props {
			dlq[k] = true
		}
	}
	for _, h := range headerConsts(t, filepath.Join(root, "projector", "projection")) {
		if !dlq[h] {
			t.Errorf("the projector writes DLQ header %s; DeadLetterHeaders does not document it", h)
		}
	}
	// The documented patterns accept what the services write.
	for pattern, example := range map[string]string{
		at(eventProps, "ce_type", "pattern").(string):           "recall.user.UserCreated.v2",
		at(eventProps, "recall_commit_lsn", "pattern").(string): "0/16B3748",
		at(eventProps, "traceparent", "pattern").(string):       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	} {
		if !regexp.MustCompile(pattern).MatchString(example) {
			t.Errorf("pattern %s rejects %s", pattern, example)
		}
	}
}
