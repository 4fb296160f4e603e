package stack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/stack"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiKeys is a schemas.KeyProvider over command-api's data-key route, as a downstream
// service with role service (here the admin) fetches keys.
type apiKeys struct {
	t          *testing.T
	api, token string
}

func (k apiKeys) DataKey(_ context.Context, subject, keyID string) ([]byte, error) {
	var dk struct {
		KeyID string `json:"key_id"`
		Key   string `json:"key"`
	}
	mustJSON(k.t, call(k.t, "GET", k.api+"/v1/users/"+subject+"/data-key", k.token, "", 200), &dk)
	if dk.KeyID != keyID {
		k.t.Fatalf("data key %s, sealed with %s", dk.KeyID, keyID)
	}
	return base64.StdEncoding.DecodeString(dk.Key)
}

// kafkaBytes returns every byte of every record on every topic (keys, values, header
// keys and values): the event topic and the DLQs.
func kafkaBytes(t *testing.T, s *stack.Stack) ([]byte, int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers...), kgo.ConsumeRegex(), kgo.ConsumeTopics(".*"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var all bytes.Buffer
	n, idle := 0, 0
	ctx := context.Background()
	for idle < 3 {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fetches := cl.PollFetches(pctx)
		cancel()
		recs := fetches.Records()
		if len(recs) == 0 {
			idle++
			continue
		}
		idle = 0
		for _, r := range recs {
			n++
			all.WriteString(r.Topic)
			all.Write(r.Key)
			all.Write(r.Value)
			for _, h := range r.Headers {
				all.WriteString(h.Key)
				all.Write(h.Value)
			}
		}
	}
	return all.Bytes(), n
}

// TestForgetThroughTheWholeSystem: command-api, relay, Kafka, projector. Before and
// after the erasure neither the database (read model aside before; all of it after) nor
// any byte of any Kafka record holds the person's values; after it the read model
// answers 410 forgotten and the history keeps who, when and why.
func TestForgetThroughTheWholeSystem(t *testing.T) {
	var logs syncBuffer
	s, err := stack.Start(context.Background(), stack.Options{Ephemeral: true, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	token := login(t, s.APIURL)
	values := []string{"morgana", "morgana.lefay@avalon.example", "Morganella", "Pendragonne", "Lefaye-Pendragonne"}
	var w struct {
		ID       string `json:"id"`
		Revision int64  `json:"revision"`
	}
	mustJSON(t, call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"morgana","email":"morgana.lefay@avalon.example",
		"first_name":"Morganella","last_name":"Pendragonne","password":"correct horse battery"}`, 201), &w)
	user := s.APIURL + "/v1/users/" + w.ID
	mustJSON(t, call(t, "PATCH", user, token, `{"last_name":"Lefaye-Pendragonne","reason":"Morganella married"}`, 200), &w)
	call(t, "GET", user+"?min_revision=2&wait=10s", token, "", 200)

	kafka, n := kafkaBytes(t, s)
	if n < 3 { // the admin and the person
		t.Fatalf("only %d records on Kafka", n)
	}
	pgtest.NoPlaintext(t, "Kafka before the erasure", kafka, values)
	pgtest.NoPlaintext(t, "the database before the erasure (read model aside)", pgtest.Dump(t, s.DatabaseURL, "users_v*"), values)

	call(t, "POST", user+"/forget", token, `{"reason":"GDPR request 31"}`, 200)
	deadline := time.Now().Add(20 * time.Second)
	for {
		body := call(t, "GET", user+"?min_revision=3&wait=5s", token, "", 410)
		if strings.Contains(string(body), "urn:recall:problem:forgotten") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET after the erasure: %s", body)
		}
	}
	var hist struct {
		Events []struct {
			EventType string          `json:"event_type"`
			Metadata  json.RawMessage `json:"metadata"`
		} `json:"events"`
	}
	mustJSON(t, call(t, "GET", user+"/history", token, "", 200), &hist)
	last := hist.Events[len(hist.Events)-1]
	if last.EventType != "UserForgotten" || !strings.Contains(string(last.Metadata), "GDPR request 31") {
		t.Fatalf("history ends with %s %s", last.EventType, last.Metadata)
	}

	kafka, _ = kafkaBytes(t, s)
	if !bytes.Contains(kafka, []byte("UserForgotten")) {
		t.Fatal("UserForgotten is not on Kafka")
	}
	pgtest.NoPlaintext(t, "Kafka after the erasure", kafka, values)
	pgtest.NoPlaintext(t, "the database after the erasure", pgtest.Dump(t, s.DatabaseURL), values)
	// Another person can take the freed username and email.
	call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"morgana","email":"morgana.lefay@avalon.example",
		"first_name":"Other","last_name":"Person","password":"correct horse battery"}`, 201)
	if err := s.Err(); err != nil {
		t.Fatalf("a service failed: %v", err)
	}
}
