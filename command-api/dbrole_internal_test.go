package commandapi

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// The runtime pools run as recall_api: events can be appended and read (every other test
// does), never changed, by the privileges themselves (42501) before the immutability
// trigger is even reached.
func TestRuntimePoolsAssumeTheAPIRole(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.DatabaseURL, cfg.ReadDatabaseURL = pgtest.Database(t), pgtest.Database(t)
	cfg.JWTSecret, _ = NewJWTSecret()
	cfg.KEK, _ = subjectkeys.GenerateKEK()
	p, err := build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for what, pool := range map[string]*pgxpool.Pool{"write": p.pool, "read": p.readPool} {
		var user, session string
		if err := pool.QueryRow(ctx, `SELECT current_user, session_user`).Scan(&user, &session); err != nil || user != DefaultDBRole {
			t.Fatalf("%s pool runs as %q (login %q), %v; want %s", what, user, session, err, DefaultDBRole)
		}
	}
	for _, stmt := range []string{`UPDATE events SET data = data`, `DELETE FROM events`, `TRUNCATE events`} {
		_, err := p.pool.Exec(ctx, stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s as the API: %v, want permission denied (42501)", stmt, err)
		}
	}
	// Disabled, the pool runs as the login user (here the owner): only the trigger stands.
	cfg.DBRole, cfg.ReadDatabaseURL = "", ""
	owner, err := build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.close()
	var user string
	if err := owner.pool.QueryRow(ctx, `SELECT current_user`).Scan(&user); err != nil || user == DefaultDBRole {
		t.Fatalf("RECALL_DB_ROLE disabled, the pool runs as %q, %v", user, err)
	}
}

// A role the login user cannot assume fails the start, not the first request.
func TestUnassumableRoleFailsTheStart(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DatabaseURL = pgtest.Database(t)
	cfg.JWTSecret, _ = NewJWTSecret()
	cfg.KEK, _ = subjectkeys.GenerateKEK()
	cfg.DBRole = "recall_no_such_role"
	if p, err := build(context.Background(), cfg); err == nil {
		p.close()
		t.Fatal("build with a missing role succeeded")
	}
}
