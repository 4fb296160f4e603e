package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/recall-events/recall/command-api/internal/metrics"
)

// Decorate wraps h with logging and metrics; every command handler gets the same pair.
func Decorate[C Command](h CommandHandler[C], log *slog.Logger, m *metrics.Metrics) CommandHandler[C] {
	if m != nil {
		h = metricsDecorator[C]{next: h, m: m}
	}
	if log != nil {
		h = logDecorator[C]{next: h, log: log}
	}
	return h
}

type metricsDecorator[C Command] struct {
	next CommandHandler[C]
	m    *metrics.Metrics
}

func (d metricsDecorator[C]) Handle(ctx context.Context, cmd C) (Result, error) {
	start := time.Now()
	res, err := d.next.Handle(ctx, cmd)
	d.m.CommandDuration.WithLabelValues(cmd.CommandName()).Observe(time.Since(start).Seconds())
	d.m.Commands.WithLabelValues(cmd.CommandName(), outcome(res, err)).Inc()
	return res, err
}

// logDecorator logs each command's outcome with ids only: command fields may hold
// passwords and personal data, so none is logged.
type logDecorator[C Command] struct {
	next CommandHandler[C]
	log  *slog.Logger
}

func (d logDecorator[C]) Handle(ctx context.Context, cmd C) (Result, error) {
	start := time.Now()
	res, err := d.next.Handle(ctx, cmd)
	attrs := []slog.Attr{slog.String("command", cmd.CommandName()), slog.String("outcome", outcome(res, err)),
		slog.Duration("duration", time.Since(start)), slog.Int64("revision", res.Revision)}
	if e, ok := any(cmd).(enveloped); ok {
		env := e.envelope()
		attrs = append(attrs, slog.String("user_id", env.UserID.String()),
			slog.String("actor_id", env.Actor.ActorID()), slog.String("request_id", env.Meta.RequestID))
	}
	level := slog.LevelInfo
	if Outcome(err) == "error" {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	d.log.LogAttrs(ctx, level, "command", attrs...)
	return res, err
}

func outcome(res Result, err error) string {
	switch {
	case err != nil:
		return Outcome(err)
	case res.Replay != nil:
		return "replayed"
	case !res.Changed:
		return "noop"
	}
	return "ok"
}
