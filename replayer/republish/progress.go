package republish

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// VersionTable tracks this package's migrations, apart from ops_log's.
const VersionTable = "recall_replayer_republish_schema_version"

// Migrations create republish_progress.
var Migrations = pgmigrate.Set{Name: "republish", VersionTable: VersionTable, FS: migrations, Dir: "migrations"}

// Job is a republish_progress row.
type Job struct {
	Name          string     `json:"job"`
	From          int64      `json:"from_position"`
	To            int64      `json:"to_position"`
	AggregateType string     `json:"aggregate_type,omitempty"`
	ToTopic       string     `json:"to_topic,omitempty"`
	Last          int64      `json:"last_position"` // the last position acked; From-1 before any
	Events        int64      `json:"events"`        // published so far, over every run
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

// ErrJobExists: the job has progress, and the request neither resumes it nor names
// another job.
var ErrJobExists = errors.New("republish: job already exists")

// ErrNoJob: --resume of a job that never started.
var ErrNoJob = errors.New("republish: no such job to resume")

// ErrJobBusy: another run of the job holds its lock.
var ErrJobBusy = errors.New("republish: job is running elsewhere")

// loadJob reads job's row; found is false when it (or the table) does not exist, so a
// dry run reads without creating anything.
func loadJob(ctx context.Context, pool *pgxpool.Pool, name string) (j Job, found bool, err error) {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('republish_progress') IS NOT NULL").Scan(&exists); err != nil {
		return j, false, fmt.Errorf("republish: progress: %w", err)
	}
	if !exists {
		return j, false, nil
	}
	err = pool.QueryRow(ctx, `SELECT job, from_position, to_position, aggregate_type, to_topic, last_position,
		events, started_at, finished_at FROM republish_progress WHERE job = $1`, name).
		Scan(&j.Name, &j.From, &j.To, &j.AggregateType, &j.ToTopic, &j.Last, &j.Events, &j.StartedAt, &j.FinishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("republish: progress of %s: %w", name, err)
	}
	return j, true, nil
}

// jobLock is a connection holding the job's advisory lock; progress is saved on it.
type jobLock struct {
	conn *pgxpool.Conn
	job  string
}

// lockJob migrates republish_progress and takes the job's session advisory lock, so two
// runs of one job never interleave.
func (r *Republisher) lockJob(ctx context.Context, job string) (*jobLock, error) {
	if err := pgmigrate.Up(ctx, r.cfg.DatabaseURL, Migrations); err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	var ok bool
	err = conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtextextended('recall_republish:' || $1, 0))", job).Scan(&ok)
	if err != nil || !ok {
		conn.Release()
		if err == nil {
			err = fmt.Errorf("%w: %s", ErrJobBusy, job)
		}
		return nil, fmt.Errorf("republish: lock job: %w", err)
	}
	return &jobLock{conn: conn, job: job}, nil
}

func (l *jobLock) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock(hashtextextended('recall_republish:' || $1, 0))", l.job); err != nil {
		l.conn.Conn().Close(ctx) // the session, and with it the lock, ends
	}
	l.conn.Release()
}

// start creates the job's row, unless a concurrent run created it first.
func (l *jobLock) start(ctx context.Context, p *Plan) error {
	tag, err := l.conn.Exec(ctx, `INSERT INTO republish_progress (job, from_position, to_position, aggregate_type, to_topic, last_position)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job) DO NOTHING`, p.Job, p.From, p.To, p.AggregateType, p.ToTopic, p.From-1)
	if err != nil {
		return fmt.Errorf("republish: start job: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s (created meanwhile)", ErrJobExists, p.Job)
	}
	return nil
}

// save records that everything up to last is acked, n events more than before, and
// finishes the job when last is its end.
func (l *jobLock) save(ctx context.Context, last, n int64) error {
	_, err := l.conn.Exec(ctx, `UPDATE republish_progress SET last_position = $2, events = events + $3, updated_at = now(),
		finished_at = CASE WHEN $2 >= to_position THEN now() END WHERE job = $1`, l.job, last, n)
	if err != nil {
		return fmt.Errorf("republish: save progress of %s at %d: %w", l.job, last, err)
	}
	return nil
}
