package stack_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recall-events/recall/stack"
)

const python = "/usr/bin/python3"

// TestPythonConsumerFromREADME runs the README's Debian-packages Python consumer, as a
// client outside Go would, against a running stack: it must print the admin's and a new
// user's UserCreated. It skips where python3-confluent-kafka or python3-avro are missing
// (make deps installs them).
func TestPythonConsumerFromREADME(t *testing.T) {
	if err := exec.Command(python, "-c", "import confluent_kafka, avro.io, cryptography").Run(); err != nil {
		t.Skipf("%s lacks confluent_kafka, avro or cryptography (make deps installs them): %v", python, err)
	}
	script := filepath.Join(t.TempDir(), "consumer.py")
	if err := os.WriteFile(script, []byte(readmePython(t, "avro.io")), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := stack.Start(context.Background(), stack.Options{Ephemeral: true, Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	token := login(t, s.APIURL)
	call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"ada","email":"ada@example.com",
		"first_name":"Ada","last_name":"Lovelace","password":"correct horse battery"}`, 201)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script)
	// The consumer opens the sealed fields with keys from the data-key route (an admin
	// token here; a service token in production).
	cmd.Env = append(os.Environ(), "RECALL_KAFKA_BROKERS="+strings.Join(s.Brokers, ","),
		"RECALL_SCHEMA_REGISTRY_URL="+s.RegistryURL, "RECALL_API_URL="+s.APIURL, "RECALL_API_TOKEN="+token)
	cmd.Stderr = &testWriter{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	want := map[string]bool{"'username': 'admin'": false, "'username': 'ada'": false}
	for lines := bufio.NewScanner(out); lines.Scan(); {
		for w := range want {
			if strings.HasPrefix(lines.Text(), "recall.user.UserCreated.v3 ") && strings.Contains(lines.Text(), w) {
				want[w] = true
			}
		}
		if want["'username': 'admin'"] && want["'username': 'ada'"] {
			return
		}
	}
	t.Fatalf("the consumer ended (%v) before printing both UserCreated events: %v", ctx.Err(), want)
}

// readmePython returns the README's python block that contains marker.
func readmePython(t *testing.T, marker string) string {
	t.Helper()
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(md), "```python\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("README has no python block with %q", marker)
	return ""
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
