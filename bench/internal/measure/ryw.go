package measure

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/apiclient"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/bench/internal/stats"
)

// ReadYourWritesWait is the wait each read asks for, as a client following the README
// would.
const ReadYourWritesWait = 2 * time.Second

// ReadYourWritesResult is run 3 of (c): each UpdateUser followed, once answered, by
// GET /v1/users/{id}?min_revision=<its revision>&wait=2s. Latencies count from the
// command's scheduled instant.
type ReadYourWritesResult struct {
	CommandToReply stats.Latency `json:"command_to_reply"`
	// Scheduled → the GET answered 200 with the revision or newer: what the user waits
	// for to see their own write.
	CommandToRead stats.Latency `json:"command_to_read"`
	// ReadStatuses counts the GETs that did not answer 200 (or errored: "error"), by
	// status.
	ReadStatuses map[string]int `json:"read_statuses,omitempty"`
	Cost         Cost           `json:"cost"`
}

type rywSample struct {
	scheduled, replied, read time.Time
	ok, readOK               bool
	readStatus               string
}

func readYourWrites(ctx context.Context, r *rig.Rig, cfg LatencyConfig, ids []uuid.UUID, api *apiclient.Client) (ReadYourWritesResult, error) {
	var res ReadYourWritesResult
	meter, err := startCost(ctx, r)
	if err != nil {
		return res, err
	}
	out := make([]rywSample, cfg.sent())
	start := time.Now()
	openLoop(ctx, cfg.Rate, cfg.Duration, func(i int, at time.Time) {
		out[i] = rywOnce(ctx, api, ids[i%len(ids)], at)
	})
	if res.Cost, err = meter.stop(ctx, cfg.sent(), nil); err != nil {
		return res, err
	}
	var replies, reads []time.Duration
	var failed, readFailed int
	res.ReadStatuses = map[string]int{}
	for _, s := range out {
		if s.scheduled.IsZero() || s.scheduled.Sub(start) < cfg.Warmup {
			continue
		}
		if !s.ok {
			failed++
			continue
		}
		replies = append(replies, s.replied.Sub(s.scheduled))
		if !s.readOK {
			readFailed++
			res.ReadStatuses[s.readStatus]++
			continue
		}
		reads = append(reads, s.read.Sub(s.scheduled))
	}
	res.CommandToReply = stats.Summarise(replies, 0)
	res.CommandToReply.Failed = failed
	res.CommandToRead = stats.Summarise(reads, 0)
	res.CommandToRead.Failed = failed + readFailed
	return res, ctx.Err()
}

func rywOnce(ctx context.Context, api *apiclient.Client, id uuid.UUID, at time.Time) rywSample {
	s := rywSample{scheduled: at}
	w, err := api.UpdateUser(ctx, id, apiclient.Update{FirstName: name()}, "")
	s.replied = time.Now()
	if err != nil || !w.OK() {
		return s
	}
	s.ok = true
	status, rev, err := api.ReadUser(ctx, id, w.Revision, ReadYourWritesWait)
	s.read = time.Now()
	switch {
	case err != nil:
		s.readStatus = "error"
	case status != http.StatusOK || rev < w.Revision:
		s.readStatus = strconv.Itoa(status)
	default:
		s.readOK = true
	}
	return s
}
