package httpapi

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/readmodel"
)

// HealthReader is what the projection health route needs of the read-model store
// (*readmodel.Store has it); without it GET /v1/projections is not registered.
type HealthReader interface {
	Health(ctx context.Context) (readmodel.Health, error)
}

// projectionsResponse is the projection health of the console.
type projectionsResponse struct {
	Store       storeTotals          `json:"store"`
	Versions    []projectionVersion  `json:"versions"`
	DeadLetters []deadLetterCount    `json:"dead_letters"`
	Paused      *pausedPartitionsDoc `json:"paused_partitions"`
}

type storeTotals struct {
	Streams int64 `json:"streams"`
	Events  int64 `json:"events"`
}

type projectionVersion struct {
	Name          string     `json:"name"`
	Version       int        `json:"version"`
	State         string     `json:"state"`
	ConsumerGroup string     `json:"consumer_group"`
	Topic         string     `json:"topic"`
	DLQTopic      string     `json:"dlq_topic"`
	Tables        []string   `json:"tables"`
	CreatedAt     time.Time  `json:"created_at"`
	PromotedAt    *time.Time `json:"promoted_at"`
	RetiredAt     *time.Time `json:"retired_at"`
	DroppedAt     *time.Time `json:"dropped_at"`
	// Rows, AppliedEvents, LagEvents and NewestEventAt are null when the version has no
	// table to count (dropped, or not created yet).
	Rows          *int64     `json:"rows"`
	AppliedEvents *int64     `json:"applied_events"`
	LagEvents     *int64     `json:"lag_events"`
	NewestEventAt *time.Time `json:"newest_event_at"`
	LagSeconds    *float64   `json:"lag_seconds"`
	DeadLetters   int64      `json:"dead_letters"`
}

type deadLetterCount struct {
	Projection string    `json:"projection"`
	Count      int64     `json:"count"`
	Last       time.Time `json:"last"`
}

// pausedPartitionsDoc says where paused partitions are: the projector's own metrics, as
// no table holds them (a pause is a moment in one consumer's memory).
type pausedPartitionsDoc struct {
	Metric string `json:"metric"`
	Note   string `json:"note"`
}

// PausedPartitionsMetric is where paused partitions are visible.
const PausedPartitionsMetric = "recall_projector_partition_paused"

// projections answers the health of every projection version (admins): its state, what
// it applied against what the store holds (lag), and its dead letters.
func (s *server) projections(c *gin.Context) {
	if !principal(c).IsAdmin() {
		writeProblem(c, problem(403, KindForbidden, "only admins read projection health"))
		return
	}
	ctx := c.Request.Context()
	h, err := s.health.Health(ctx)
	if err != nil {
		s.failRead(c, err)
		return
	}
	totals, err := s.svc.Store().TotalsOf(ctx, user.AggregateType)
	if err != nil {
		fail(c, err)
		return
	}
	out := projectionsResponse{Store: storeTotals{Streams: totals.Streams, Events: totals.Events},
		Versions: make([]projectionVersion, len(h.Versions)), DeadLetters: make([]deadLetterCount, len(h.DeadLetters)),
		Paused: &pausedPartitionsDoc{Metric: PausedPartitionsMetric,
			Note: "a paused partition lives in one projector's memory, not in a table: see this gauge on the projector's /metrics"}}
	dead := map[string]int64{}
	for i, d := range h.DeadLetters {
		out.DeadLetters[i] = deadLetterCount{Projection: d.Projection, Count: d.Count, Last: d.Last.UTC()}
		dead[d.Projection] = d.Count
	}
	for i, v := range h.Versions {
		out.Versions[i] = versionView(v, totals.Events, totals.Newest, dead[readmodel.DeadLetterName(v.Name, v.Version.Version)])
	}
	c.JSON(200, out)
}

func versionView(v readmodel.VersionHealth, storeEvents int64, storeNewest time.Time, dead int64) projectionVersion {
	out := projectionVersion{Name: v.Name, Version: v.Version.Version, State: string(v.State), ConsumerGroup: v.ConsumerGroup,
		Topic: v.Topic, DLQTopic: v.DLQTopic, Tables: v.Tables, CreatedAt: v.CreatedAt.UTC(), PromotedAt: utc(v.PromotedAt),
		RetiredAt: utc(v.RetiredAt), DroppedAt: utc(v.DroppedAt), NewestEventAt: utc(v.NewestEvent), DeadLetters: dead}
	if out.Tables == nil {
		out.Tables = []string{}
	}
	if v.Rows < 0 {
		return out
	}
	lag := max(storeEvents-v.Events, 0)
	out.Rows, out.AppliedEvents, out.LagEvents = &v.Rows, &v.Events, &lag
	secs := 0.0
	if lag > 0 && v.NewestEvent != nil && storeNewest.After(*v.NewestEvent) {
		secs = storeNewest.Sub(*v.NewestEvent).Seconds()
	}
	out.LagSeconds = &secs
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
