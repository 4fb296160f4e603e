package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/schemas"
	"github.com/recall-events/recall/stack"
)

// TestPipeline drives the whole system as a user would: a command over HTTP, its event
// through the WAL, the relay and Kafka, the read model through the projector, and a
// read-your-writes query back over HTTP.
func TestPipeline(t *testing.T) {
	ctx := context.Background()
	s, err := stack.Start(ctx, stack.Options{Ephemeral: true, Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	token := login(t, s.APIURL)

	created := call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"ada","email":"ada@example.com",
		"first_name":"Ada","last_name":"Lovelace","password":"correct horse battery"}`, 201)
	var write struct {
		ID       string `json:"id"`
		Revision int64  `json:"revision"`
	}
	mustJSON(t, created, &write)
	patched := call(t, "PATCH", s.APIURL+"/v1/users/"+write.ID, token, `{"last_name":"Byron","reason":"married name"}`, 200)
	mustJSON(t, patched, &write)

	// Read-your-writes across Kafka: the query waits for the projector.
	got := call(t, "GET", fmt.Sprintf("%s/v1/users/%s?min_revision=%d&wait=10s", s.APIURL, write.ID, write.Revision), token, "", 200)
	var view struct {
		LastName string `json:"last_name"`
		Revision int64  `json:"revision"`
	}
	mustJSON(t, got, &view)
	if view.LastName != "Byron" || view.Revision != 2 {
		t.Fatalf("read model: %s", got)
	}

	// The topic carries both events, decodable through the registry, keyed by the user.
	events := consume(t, s, write.ID, 2)
	if events[0].EventType != "UserCreated" || events[1].EventType != "UserUpdated" || events[1].Revision != 2 {
		t.Fatalf("kafka events: %+v", events)
	}
	// The reason travels sealed; a consumer with the person's data key opens it.
	if strings.Contains(string(events[1].Metadata), "married name") {
		t.Fatalf("the reason is on Kafka in plaintext: %s", events[1].Metadata)
	}
	opened, err := (schemas.Opener{Keys: apiKeys{t: t, api: s.APIURL, token: token}}).OpenEvent(ctx, events[1])
	if err != nil || !strings.Contains(string(opened.Metadata), "married name") {
		t.Fatalf("opened metadata %s, %v", opened.Metadata, err)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("a service failed: %v", err)
	}
}

func login(t *testing.T, api string) string {
	t.Helper()
	body := call(t, "POST", api+"/v1/auth/login", "", `{"username":"admin","password":"recall-admin"}`, 200)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustJSON(t, body, &tok)
	return tok.AccessToken
}

func call(t *testing.T, method, url, token, body string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, out)
	}
	return out
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

func consume(t *testing.T, s *stack.Stack, key string, n int) []schemas.Event {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers...), kgo.ConsumeTopics("recall.user.events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	reg, err := sr.NewClient(sr.URLs(s.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	dec := schemas.NewDecoder(reg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []schemas.Event
	for len(out) < n {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("only %d of %d events for %s: %v", len(out), n, key, err)
		}
		for _, r := range fetches.Records() {
			if string(r.Key) != key {
				continue
			}
			ev, err := dec.Decode(ctx, r.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
	}
	return out
}
