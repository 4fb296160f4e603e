package commandapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/schemas"
)

// BenchmarkUpdateUserSealing is issue #13's command figure: UpdateUser over HTTP with
// 32 clients against two command-apis in one process, each on its own database of 10k
// users: the service as it runs (personal fields sealed with each person's data key,
// keys from the keyring and its cache) and the same service writing the plaintext
// versions (commandapi.UnsealedBaseline, test binaries only). Each iteration sends b.N
// commands to each, the two taking turns in chunks of 250, so drift on a shared machine
// hits both; cost_pct is how much lower the sealed rate was. Both services get one
// warm-up update per user first (aggregate cache, and for the sealed one the key
// cache), as a running service has. Take medians over -count; ns/op covers one command
// to each.
//
//	go test -run '^$' -bench BenchmarkUpdateUserSealing -benchtime 3000x -count 5 .
func BenchmarkUpdateUserSealing(b *testing.B) {
	quiet := func(c *commandapi.Config) { c.LogOutput = io.Discard }
	sealed := start(b, "", quiet)
	plain := start(b, "", quiet, commandapi.UnsealedBaseline)
	sealedIDs := seedSealedUsers(b, sealed.dbURL, benchUsers)
	plainIDs := seedUsers(b, eventstore.New(openBenchPool(b, plain.dbURL)), benchUsers)
	for _, s := range []struct {
		a   *api
		ids []uuid.UUID
	}{{sealed, sealedIDs}, {plain, plainIDs}} {
		runUpdates(b, s.a, s.ids, len(s.ids), func(i int) uuid.UUID { return s.ids[i] })
	}
	checkSealed(b, sealed.dbURL, sealedIDs[0], true)
	checkSealed(b, plain.dbURL, plainIDs[0], false)

	round := 0
	b.Run("pair", func(b *testing.B) {
		// The b.N commands of each side go in chunks, the sides taking turns (who goes
		// first alternating too): on a shared machine, load comes and goes in seconds,
		// and each side must see as much of it as the other.
		const chunk = 250
		var took [2]time.Duration // plaintext, sealed
		for sent := 0; sent < b.N; sent += chunk {
			n := min(chunk, b.N-sent)
			for j := range 2 {
				side := (round + j) % 2
				a, ids := plain, plainIDs
				if side == 1 {
					a, ids = sealed, sealedIDs
				}
				begin := time.Now()
				runUpdates(b, a, ids, n, func(int) uuid.UUID { return ids[rand.N(len(ids))] })
				took[side] += time.Since(begin)
			}
			round++
		}
		plainRate, sealedRate := float64(b.N)/took[0].Seconds(), float64(b.N)/took[1].Seconds()
		b.ReportMetric(plainRate, "plain_cmds/s")
		b.ReportMetric(sealedRate, "sealed_cmds/s")
		b.ReportMetric(100*(1-sealedRate/plainRate), "cost_pct")
	})
}

// runUpdates sends n PATCH first_name commands from benchClients clients, the i-th to
// pick(i), and returns commands/s.
func runUpdates(b *testing.B, a *api, ids []uuid.UUID, n int, pick func(i int) uuid.UUID) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range benchClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r, err := a.try("PATCH", "/v1/users/"+pick(i).String(), a.admin,
					map[string]string{"first_name": fmt.Sprintf("N%07d", rand.N(10_000_000))}, nil)
				if err != nil || r.Status != 200 {
					b.Errorf("PATCH: %v %d %s", err, r.Status, r.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(begin).Seconds()
}

func openBenchPool(b *testing.B, url string) *pgxpool.Pool {
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// seedSealedUsers stores n users as command-api does now: a data key each in
// subject_keys (wrapped by the test KEK) and UserCreated at its sealed version.
func seedSealedUsers(b *testing.B, url string, n int) []uuid.UUID {
	b.Helper()
	pool := openBenchPool(b, url)
	kek, err := subjectkeys.ParseKEK(testKEK)
	if err != nil {
		b.Fatal(err)
	}
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{CacheTTL: -1})
	store := eventstore.New(pool)
	version := schemas.CurrentVersion("UserCreated")
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			for i := w; i < n; i += workers {
				ids[i] = uuid.New()
				name := fmt.Sprintf("bench%05d", i)
				k, err := keys.Create(ctx, pool, ids[i])
				if err != nil {
					b.Error(err)
					return
				}
				dk, err := schemas.NewDataKey(k.ID, k.Raw)
				if err != nil {
					b.Error(err)
					return
				}
				plain, _ := json.Marshal(map[string]string{"username": name, "email": name + "@example.com",
					"first_name": "B", "last_name": "Ench", "role": "user"})
				data, err := schemas.SealData(dk, "user", ids[i].String(), "UserCreated", version, plain)
				if err != nil {
					b.Error(err)
					return
				}
				_, err = store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: ids[i],
					Expected: eventstore.NoStream, Events: []eventstore.NewEvent{{EventType: "UserCreated", SchemaVersion: version,
						Data: data, Metadata: eventstore.Metadata{ActorID: "system", ActorRole: "system"}}},
					Claims: []eventstore.Claim{{Kind: "username", Value: "h1:" + name}, {Kind: "email", Value: "h1:" + name + "@example.com"}},
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return ids
}

// checkSealed makes sure each side measures what it claims to: the warm-up's update of
// id was stored sealed (or not).
func checkSealed(b *testing.B, url string, id uuid.UUID, want bool) {
	b.Helper()
	var data string
	err := openBenchPool(b, url).QueryRow(context.Background(),
		`SELECT data->>'first_name' FROM events WHERE aggregate_id = $1 AND event_type = 'UserUpdated' ORDER BY revision DESC LIMIT 1`, id).Scan(&data)
	if err != nil {
		b.Fatal(err)
	}
	if schemas.IsSealed(data) != want {
		b.Fatalf("UserUpdated first_name %q: sealed %v, want %v", data, schemas.IsSealed(data), want)
	}
}
