package opslog_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/replayer/opslog"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestRecordAndRead(t *testing.T) {
	ctx := context.Background()
	l, err := opslog.Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	plan := map[string]any{"group": "g", "partitions": []int{1, 2}}
	if err := l.Record(ctx, opslog.Entry{Actor: "alice", Operation: "offsets reset", Args: map[string]any{"group": "g"}, Plan: plan}, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, opslog.Entry{Actor: "bob", Operation: "projection promote", Args: map[string]any{"version": 2}}, errors.New("lag too high")); err != nil {
		t.Fatal(err)
	}
	got, err := l.Recent(ctx, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("recent: %v %v", got, err)
	}
	if got[0].Actor != "bob" || got[0].Outcome != "failed" || got[0].Error != "lag too high" || got[0].Plan != nil {
		t.Fatalf("newest: %+v", got[0])
	}
	if got[1].Actor != "alice" || got[1].Outcome != "ok" || got[1].Args["group"] != "g" || got[1].Plan == nil {
		t.Fatalf("oldest: %+v", got[1])
	}
}
