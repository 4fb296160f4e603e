package opslog

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// VersionTable tracks the replayer's own migrations.
const VersionTable = "recall_replayer_schema_version"

// Migrations create ops_log.
var Migrations = pgmigrate.Set{Name: "opslog", VersionTable: VersionTable, FS: migrations, Dir: "migrations"}

// Entry is one executed operation.
type Entry struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	Actor     string         `json:"actor"`
	Operation string         `json:"operation"`
	Args      map[string]any `json:"args"`
	Plan      any            `json:"plan,omitempty"`
	Outcome   string         `json:"outcome"` // "ok" or "failed"
	Error     string         `json:"error,omitempty"`
}

// Log writes and reads ops_log.
type Log struct{ pool *pgxpool.Pool }

// Open migrates ops_log on the database at url and returns a Log on it.
func Open(ctx context.Context, url string) (*Log, error) {
	if err := pgmigrate.Up(ctx, url, Migrations); err != nil {
		return nil, fmt.Errorf("opslog: %w", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("opslog: %w", err)
	}
	return &Log{pool: pool}, nil
}

// Close releases the connections.
func (l *Log) Close() { l.pool.Close() }

// Record stores e with the outcome of runErr (nil: ok).
func (l *Log) Record(ctx context.Context, e Entry, runErr error) error {
	e.Outcome = "ok"
	if runErr != nil {
		e.Outcome, e.Error = "failed", runErr.Error()
	}
	args, err := json.Marshal(e.Args)
	if err != nil {
		return fmt.Errorf("opslog: args: %w", err)
	}
	var plan []byte
	if e.Plan != nil {
		if plan, err = json.Marshal(e.Plan); err != nil {
			return fmt.Errorf("opslog: plan: %w", err)
		}
	}
	var errText *string
	if e.Error != "" {
		errText = &e.Error
	}
	_, err = l.pool.Exec(ctx, `INSERT INTO ops_log (actor, operation, args, plan, outcome, error)
		VALUES ($1, $2, $3::json, $4::json, $5, $6)`, e.Actor, e.Operation, string(args), nullable(plan), e.Outcome, errText)
	if err != nil {
		return fmt.Errorf("opslog: record: %w", err)
	}
	return nil
}

func nullable(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// Recent returns the newest n entries, newest first.
func (l *Log) Recent(ctx context.Context, n int) ([]Entry, error) {
	rows, err := l.pool.Query(ctx, `SELECT id, at, actor, operation, args, plan, outcome, coalesce(error, '')
		FROM ops_log ORDER BY id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("opslog: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var args, plan []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Operation, &args, &plan, &e.Outcome, &e.Error); err != nil {
			return nil, fmt.Errorf("opslog: %w", err)
		}
		if err := json.Unmarshal(args, &e.Args); err != nil {
			return nil, fmt.Errorf("opslog: args of %d: %w", e.ID, err)
		}
		if plan != nil {
			e.Plan = json.RawMessage(plan)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
