package commandapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	commandapi "github.com/recall-events/recall/command-api"
)

func TestSnapshotsEveryN(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) { c.SnapshotEvery = 3 })
	id := a.createUser("grace")
	for i := range 7 {
		a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": fmt.Sprintf("N%d", i)}, nil).want(t, 200)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT revision FROM snapshots WHERE aggregate_id = $1 ORDER BY revision`, id)
	revs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || fmt.Sprint(revs) != "[3 6]" {
		t.Fatalf("snapshots at %v (%v), want [3 6]", revs, err)
	}
	// Loads start from a snapshot and still see every later event.
	var s state
	a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil).want(t, 200).json(t, &s)
	if s.Revision != 8 || s.FirstName != "N6" {
		t.Fatalf("state %+v", s)
	}
	a.do("GET", "/v1/users/"+id+"/state?revision=4", a.admin, nil, nil).want(t, 200).json(t, &s)
	if s.Revision != 4 || s.FirstName != "N2" {
		t.Fatalf("state at 4 %+v", s)
	}
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "Last"}, hdr{"If-Match": `"8"`}).want(t, 200)
}
