package examples

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsTheGoConsumer fails when the README's "Consuming from Go" block and
// consume/main.go (which make test builds, vets and lints) drift apart.
func TestREADMEShowsTheGoConsumer(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("consume/main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(md), "### Consuming from Go")
	if !ok {
		t.Fatal(`README has no "### Consuming from Go"`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("no go code block under Consuming from Go")
	}
	if block != string(src) {
		t.Errorf("README's Go consumer differs from consume/main.go; paste the file into the README")
	}
}
