// Command consume prints every event of recall.user.events, decoded with the writer schema
// each value names; the README's "Consuming from Go" shows this file. It reads
// RECALL_KAFKA_BROKERS and RECALL_SCHEMA_REGISTRY_URL (defaults: make run's), and stops on Ctrl-C.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/schemas"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rcl, err := sr.NewClient(sr.URLs(cmp.Or(os.Getenv("RECALL_SCHEMA_REGISTRY_URL"), "http://127.0.0.1:8081")))
	if err != nil {
		log.Fatal(err)
	}
	dec := schemas.NewDecoder(rcl) // resolves each writer schema by id, once
	cl, err := kgo.NewClient(kgo.SeedBrokers(cmp.Or(os.Getenv("RECALL_KAFKA_BROKERS"), "127.0.0.1:9092")),
		kgo.ConsumerGroup("billing.recall-users"), kgo.ConsumeTopics("recall.user.events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close() // leaves the group; offsets are auto-committed
	for {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
			return
		} else if err != nil {
			log.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			ev, err := dec.Decode(ctx, r.Value) // errors.Is(err, schemas.ErrFraming), ErrMalformed, ErrRegistry…
			if err != nil {
				log.Printf("offset %d: %v", r.Offset, err)
				return
			}
			// dedupe by ev.EventID (= ce_id) or (ev.AggregateID, ev.Revision)
			fmt.Println(ev.AggregateID, ev.Revision, ev.EventType, ev.SchemaVersion, string(ev.Data))
		})
	}
}
