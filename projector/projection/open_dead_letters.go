package projection

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/readmodel"
)

// OpenDeadLetters exports recall_projector_dead_letters_open{projection,
// error_kind}: the unresolved rows of projector_dead_letters, read from the
// table at scrape time, so it counts what every projector instance and the
// replayer did and survives restarts. Every projection in Names (and any other
// the table names) has a series for every error kind, zero included, so an
// alert can compare against zero without absent().
type OpenDeadLetters struct {
	DB      readmodel.DB
	Names   func() []string // projections this process runs
	Logger  *slog.Logger
	Timeout time.Duration // per scrape; default 2s
}

var openDeadLettersDesc = prometheus.NewDesc("recall_projector_dead_letters_open",
	"Dead letters not yet retried or discarded, by projection and error kind (decode, apply, attempts, blocked, signature).",
	[]string{"projection", "error_kind"}, nil)

// Describe implements prometheus.Collector.
func (o *OpenDeadLetters) Describe(ch chan<- *prometheus.Desc) { ch <- openDeadLettersDesc }

// Collect implements prometheus.Collector. A failed query exports nothing
// rather than zeros that would clear an alert.
func (o *OpenDeadLetters) Collect(ch chan<- prometheus.Metric) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	counts, err := readmodel.OpenDeadLetterCounts(ctx, o.DB)
	if err != nil {
		if o.Logger != nil {
			o.Logger.Warn("counting open dead letters", "err", err)
		}
		return
	}
	names := map[string]bool{}
	if o.Names != nil {
		for _, n := range o.Names() {
			names[n] = true
		}
	}
	for k := range counts {
		names[k[0]] = true
	}
	for n := range names {
		for _, kind := range readmodel.DeadLetterKinds {
			ch <- prometheus.MustNewConstMetric(openDeadLettersDesc, prometheus.GaugeValue, float64(counts[[2]string{n, kind}]), n, kind)
		}
	}
}
