package measure

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
)

// ReplayResult is (d) and the projector's half of (f).
type ReplayResult struct {
	Events           int64   `json:"events"`        // in the store: what the read model must reflect
	Records          int64   `json:"kafka_records"` // on the topic, duplicates included
	Seconds          float64 `json:"seconds"`       // from the process's start
	Rate             float64 `json:"events_per_s"`
	JoinedSeconds    float64 `json:"seconds_after_join"` // from when it had joined its groups
	JoinedRate       float64 `json:"events_per_s_after_join"`
	ProjectorPeakRSS int64   `json:"projector_peak_rss_bytes"`
}

// Replay measures (d): the users projection's live version is rebuilt from offset zero,
// as the replayer's rewind does it: stop the projector, delete the version's consumer
// group (its committed offsets), empty its table, and start a projector process; the
// clock stops when the table reflects every event in the store (the sum of the rows'
// revisions equals the number of user events, as every stream is gapless from 1). The
// welcome-email projection is off for the run: it is a separate group with its own
// offsets, not part of rebuilding a read model.
func Replay(ctx context.Context, r *rig.Rig) (ReplayResult, error) {
	var res ReplayResult
	if r.External() {
		return res, rig.ErrExternal
	}
	r.StopProjector()
	adm, err := kafkaread.NewAdmin(r.Brokers, r.KafkaOpts...)
	if err != nil {
		return res, err
	}
	defer adm.Close()
	if err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE aggregate_type = 'user'`).Scan(&res.Events); err != nil {
		return res, err
	}
	if res.Records, err = adm.Records(ctx, kafkaread.Topic); err != nil {
		return res, err
	}
	table, err := liveUsersTable(ctx, r)
	if err != nil {
		return res, err
	}
	if err := rewind(ctx, r, adm, table); err != nil {
		return res, err
	}
	start := time.Now()
	if err := r.StartProjector(ctx, "RECALL_WELCOME_EMAIL=false"); err != nil {
		return res, err
	}
	joined := time.Now()
	if err := WaitApplied(ctx, r, table, res.Events); err != nil {
		return res, err
	}
	res.Seconds, res.JoinedSeconds = time.Since(start).Seconds(), time.Since(joined).Seconds()
	res.ProjectorPeakRSS = r.Projector().PeakRSS()
	res.Rate, res.JoinedRate = float64(res.Events)/res.Seconds, float64(res.Events)/res.JoinedSeconds
	return res, nil
}

func rewind(ctx context.Context, r *rig.Rig, adm *kafkaread.Admin, table string) error {
	var v int
	fmt.Sscanf(table, "users_v%d", &v)
	if err := adm.DeleteGroup(ctx, versions.Group(readmodel.Projection, v)); err != nil {
		return err
	}
	_, err := r.Pool.Exec(ctx, "TRUNCATE "+pgx.Identifier{table}.Sanitize())
	return err
}

// WaitApplied polls until the revisions in table (a users read model) add up to events:
// every stream is gapless from revision 1, so the sum is the number of events applied.
func WaitApplied(ctx context.Context, r *rig.Rig, table string, events int64) error {
	for {
		var sum int64
		err := r.Pool.QueryRow(ctx, `SELECT coalesce(sum(revision), 0)::bigint FROM `+pgx.Identifier{table}.Sanitize()).Scan(&sum)
		if err == nil && sum >= events {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("measure: read model at %d of %d events: %w", sum, events, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
