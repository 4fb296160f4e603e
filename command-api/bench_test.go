package commandapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/eventstore"
)

const benchUsers = 10_000

// benchClients is the benchmarks' concurrency: RECALL_BENCH_CLIENTS, default 32.
var benchClients = func() int {
	if n, err := strconv.Atoi(os.Getenv("RECALL_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return 32
}()

// BenchmarkUpdateUser measures UpdateUser commands/s over HTTP with 32 clients on 10k
// users (RECALL_BENCH_CLIENTS sets the clients), next to raw eventstore.Append of the same-size event in the same run and
// database (durable: pgtest keeps fsync on under -bench). The http sub-benchmark reports
// pct_of_raw.
//
//	go test -run '^$' -bench BenchmarkUpdateUser -benchtime 20000x .
func BenchmarkUpdateUser(b *testing.B) {
	a := start(b, "", func(c *commandapi.Config) { c.LogOutput = io.Discard })
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, a.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	store := eventstore.New(pool)
	ids := seedUsers(b, store, benchUsers)
	parallelism := (benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	var rawRate float64
	cpu := newCPUMeter(b, pool)

	b.Run("raw_append", func(b *testing.B) {
		b.SetParallelism(parallelism)
		cpu.start()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := ids[rand.N(len(ids))]
				_, err := store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
					Expected: eventstore.Any, Events: []eventstore.NewEvent{{EventType: "UserUpdated", SchemaVersion: 1,
						Data:     fmt.Appendf(nil, `{"first_name":"N%07d","last_name":null,"email":null}`, rand.N(10_000_000)),
						Metadata: eventstore.Metadata{ActorID: id.String(), ActorRole: "admin", RequestID: uuid.NewString(), CorrelationID: uuid.NewString()}}},
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		rawRate = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rawRate, "appends/s")
		cpu.report(b, b.N)
	})

	b.Run("http_update", func(b *testing.B) {
		b.SetParallelism(parallelism)
		cpu.start()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := ids[rand.N(len(ids))]
				body := fmt.Sprintf(`{"first_name":"N%07d"}`, rand.N(10_000_000))
				if status, err := a.rawPatch("/v1/users/"+id.String(), a.admin, body); err != nil || status != 200 {
					b.Errorf("PATCH: %v %d", err, status)
					return
				}
			}
		})
		rate := float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rate, "cmds/s")
		cpu.report(b, b.N)
		if rawRate > 0 {
			b.ReportMetric(100*rate/rawRate, "pct_of_raw")
		}
	})
}

// BenchmarkCreateUser is bound by password hashing: argon2id at the production default
// (19 MiB, t=2, p=1), 32 clients.
//
//	go test -run '^$' -bench BenchmarkCreateUser -benchtime 300x .
func BenchmarkCreateUser(b *testing.B) {
	a := start(b, "", func(c *commandapi.Config) {
		c.LogOutput, c.Argon2 = io.Discard, credentials.DefaultParams
	})
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := uuid.NewString()[:13]
			r, err := a.try("POST", "/v1/users", a.admin, map[string]any{"username": "u" + n, "email": n + "@example.com",
				"first_name": "B", "last_name": "Ench", "password": userPassword}, nil)
			if err != nil || r.Status != 201 {
				b.Errorf("POST: %v %d %s", err, r.Status, r.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// seedUsers appends n UserCreated events straight to the store (no password hashing: the
// update benchmark needs users, not logins).
func seedUsers(b *testing.B, store *eventstore.Store, n int) []uuid.UUID {
	b.Helper()
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				ids[i] = uuid.New()
				name := fmt.Sprintf("bench%05d", i)
				_, err := store.Append(context.Background(), eventstore.AppendRequest{AggregateType: "user", AggregateID: ids[i],
					Expected: eventstore.NoStream, Events: []eventstore.NewEvent{{EventType: "UserCreated", SchemaVersion: 2,
						Data:     fmt.Appendf(nil, `{"username":%q,"email":"%s@example.com","first_name":"B","last_name":"Ench","role":"user"}`, name, name),
						Metadata: eventstore.Metadata{ActorID: "system", ActorRole: "system"}}},
					Claims: []eventstore.Claim{{Kind: "username", Value: name}, {Kind: "email", Value: name + "@example.com"}},
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return ids
}

// rawPatch sends a PATCH without the OpenAPI validation of (*api).try, which would cost the
// load generator more CPU than command-api spends on the command.
func (a *api) rawPatch(path, token, body string) (int, error) {
	req, err := http.NewRequest("PATCH", a.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}
