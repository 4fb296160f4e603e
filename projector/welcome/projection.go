package welcome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/schemas"
	"github.com/recall-events/recall/schemas/upcast"
)

// Name and Group of the welcome-email projection. The group has no version:
// it is never rebuilt.
const (
	Name  = "welcome-email"
	Group = "recall.projector.welcome-email"
)

// errClaimHeld: another attempt holds a fresh claim on this mail; retry later.
var errClaimHeld = errors.New("welcome: claim held by another attempt")

// Options tune the projection.
type Options struct {
	From   string        // sender; default "Recall <noreply@recall.invalid>"
	Lease  time.Duration // after this a claim without a mark is re-sent; default 2m
	Logger *slog.Logger
	// Keys opens the sealed address and names; a forgotten person gets no mail. Nil
	// reads plaintext events only (tests).
	Keys *subjectkeys.Keyring
}

// Projection sends the welcome mails; a projection.Handler.
type Projection struct {
	pool   *pgxpool.Pool
	sender Sender
	opts   Options
}

// New returns the projection.
func New(pool *pgxpool.Pool, sender Sender, opts Options) *Projection {
	if opts.From == "" {
		opts.From = "Recall <noreply@recall.invalid>"
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Projection{pool: pool, sender: sender, opts: opts}
}

type created struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
}

// Handle sends the welcome mail of each UserCreated in msgs that has not been
// sent yet; other events are skipped.
func (p *Projection) Handle(ctx context.Context, msgs []projection.Message) (int, error) {
	for i := range msgs {
		ev := msgs[i].Event
		if ev.EventType != "UserCreated" {
			msgs[i].Skipped = true
			continue
		}
		o := schemas.Opener{}
		if p.opts.Keys != nil {
			o.Keys = p.opts.Keys
		}
		op, err := o.Open(ctx, ev.AggregateType, ev.AggregateID, ev.EventType, ev.SchemaVersion, ev.Data, nil)
		if err != nil {
			if errors.Is(err, schemas.ErrSealed) || errors.Is(err, schemas.ErrInvalidData) {
				return i, projection.Poison(err)
			}
			return i, err
		}
		if len(op.Erased) > 0 {
			msgs[i].Skipped = true // forgotten before their welcome: no mail
			continue
		}
		_, data, err := upcast.Data(ev.EventType, ev.SchemaVersion, op.Data)
		if err != nil {
			return i, projection.Poison(err)
		}
		var d created
		if err := json.Unmarshal(data, &d); err != nil || d.Email == "" {
			return i, projection.Poison(fmt.Errorf("UserCreated data without an email: %v", err))
		}
		sent, err := p.deliver(ctx, ev.EventID, ev.AggregateID, d)
		if err != nil {
			return i, err
		}
		msgs[i].Skipped = !sent
	}
	return len(msgs), nil
}

// deliver claims, sends and marks one mail; false when it was already done.
func (p *Projection) deliver(ctx context.Context, eventID, userID string, d created) (bool, error) {
	ok, err := p.claim(ctx, eventID, userID)
	if err != nil || !ok {
		return false, err
	}
	m := Mail{
		MessageID: eventID + "@recall.welcome",
		From:      p.opts.From,
		To:        d.Email,
		Subject:   "Welcome to Recall, " + d.FirstName,
		Body:      "Hello " + d.FirstName + ",\n\nyour Recall account " + d.Username + " is ready.\n",
	}
	if err := p.sender.Send(ctx, m); err != nil {
		if errors.Is(err, ErrPermanent) {
			p.opts.Logger.Error("welcome email refused for good", "event_id", eventID, "user_id", userID, "err", err)
			return false, p.finish(ctx, eventID, "failed", err.Error())
		}
		// Release the claim so the retry can take it at once.
		_, _ = p.pool.Exec(context.WithoutCancel(ctx), `UPDATE welcome_emails SET claimed_at = '-infinity' WHERE event_id = $1 AND state = 'claimed'`, eventID)
		return false, err
	}
	return true, p.finish(ctx, eventID, "sent", "")
}

// claim takes the right to send: a new row, or a stale claim (see the package
// doc for why stale claims are re-sent).
func (p *Projection) claim(ctx context.Context, eventID, userID string) (bool, error) {
	tag, err := p.pool.Exec(ctx, `INSERT INTO welcome_emails (event_id, user_id, state)
VALUES ($1, $2, 'claimed') ON CONFLICT DO NOTHING`, eventID, userID)
	if err != nil {
		return false, fmt.Errorf("welcome: claim: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	tag, err = p.pool.Exec(ctx, `UPDATE welcome_emails SET claimed_at = now(), attempts = attempts + 1
WHERE (event_id = $1 OR user_id = $2) AND state = 'claimed' AND claimed_at < now() - make_interval(secs => $3)`,
		eventID, userID, p.opts.Lease.Seconds())
	if err != nil {
		return false, fmt.Errorf("welcome: reclaim: %w", err)
	}
	if tag.RowsAffected() == 1 {
		p.opts.Logger.Warn("re-sending a welcome email whose claim went stale (at-least-once)", "event_id", eventID, "user_id", userID)
		return true, nil
	}
	var state string
	if err := p.pool.QueryRow(ctx, `SELECT state FROM welcome_emails WHERE event_id = $1 OR user_id = $2 LIMIT 1`,
		eventID, userID).Scan(&state); err != nil {
		return false, fmt.Errorf("welcome: claim state: %w", err)
	}
	if state == "claimed" {
		return false, errClaimHeld
	}
	return false, nil
}

func (p *Projection) finish(ctx context.Context, eventID, state, msg string) error {
	_, err := p.pool.Exec(ctx, `UPDATE welcome_emails SET state = $2, sent_at = CASE WHEN $2 = 'sent' THEN now() END,
error = nullif($3, '') WHERE event_id = $1`, eventID, state, msg)
	if err != nil {
		return fmt.Errorf("welcome: mark %s: %w", state, err)
	}
	return nil
}
