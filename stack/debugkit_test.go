package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recall-events/recall/eventstore/streamfile"
	"github.com/recall-events/recall/replayer/cli"
	"github.com/recall-events/recall/stack"
)

// caseFile is the exported production case the domain's example test loads.
var caseFile = filepath.Join("..", "command-api", "internal", "user", "testdata", "cases", "sarah_deleted.json")

// TestDebugKitWalkthrough is the README's "debug a production case", end to end on the
// whole stack: export Sarah's stream with the replayer, check it reads back as the
// domain's test helper will read it, and dry-run the deletion on the state before it.
// With RECALL_UPDATE_TESTDATA=1 it rewrites the case the domain's example test uses.
func TestDebugKitWalkthrough(t *testing.T) {
	ctx := context.Background()
	s, err := stack.Start(ctx, stack.Options{Ephemeral: true, Logs: io.Discard, Without: []string{"relay", "projector"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	sarah := seedStory(t, s.APIURL)

	// 1. Export.
	var out, errOut bytes.Buffer
	if code := cli.Execute(ctx, []string{"--database-url", s.DatabaseURL, "--actor", "support", "stream", "export", sarah.id}, &out, &errOut); code != 0 {
		t.Fatalf("export: %s", errOut.String())
	}
	f, err := streamfile.Read(bytes.NewReader(out.Bytes()))
	if err != nil || len(f.Events) != int(sarah.revision) || f.Events[len(f.Events)-1].EventType != "UserDeleted" {
		t.Fatalf("exported %+v %v", f, err)
	}
	if os.Getenv("RECALL_UPDATE_TESTDATA") == "1" {
		if err := os.WriteFile(caseFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 3. Dry-run: on the state before the deletion, the deletion is what it was.
	token := login(t, s.APIURL)
	body := call(t, "POST", s.APIURL+"/v1/users/"+sarah.id+"/commands:dry-run?revision=3", token,
		`{"command":"DeleteUser","input":{"reason":"replaying SUP-4711"}}`, 200)
	var r struct {
		Outcome string `json:"outcome"`
		Events  []struct {
			EventType string          `json:"event_type"`
			Data      json.RawMessage `json:"data"`
		} `json:"events"`
		Appended bool `json:"appended"`
	}
	mustJSON(t, body, &r)
	// UserDeleted carries no copy of the username and email any more (they are personal
	// data); the state after the dry run shows what was released.
	if r.Outcome != "events" || len(r.Events) != 1 || r.Events[0].EventType != "UserDeleted" ||
		string(r.Events[0].Data) != "{}" || !strings.Contains(string(body), `"status":"deleted"`) || r.Appended {
		t.Fatalf("dry run: %s", body)
	}
	var again bytes.Buffer
	if code := cli.Execute(ctx, []string{"--database-url", s.DatabaseURL, "--actor", "support", "stream", "export", sarah.id}, &again, &errOut); code != 0 {
		t.Fatal(errOut.String())
	}
	if g, _ := streamfile.Read(&again); len(g.Events) != len(f.Events) {
		t.Fatalf("the dry run appended: %d events, then %d", len(f.Events), len(g.Events))
	}
}
