// Package welcome is a side-effect projection: it sends one welcome email per
// user on UserCreated.
//
//	p := welcome.New(pool, &welcome.SMTPSender{Addr: "mail:25", From: "Recall <noreply@example.com>"}, welcome.Options{})
//	// p is a projection.Handler; run it in group welcome.Group
//
// # Exactly once, as far as email allows
//
// Redeliveries, restarts and rebuilds must not send twice, so sends are
// recorded in welcome_emails, keyed by the UserCreated event id and unique per
// user, and that table belongs to no projection version: rebuilding users_vN
// never touches it, and the projection runs in its own consumer group
// (recall.projector.welcome-email) that the replayer never rewinds.
//
// For each UserCreated the projection first claims a row (state claimed),
// then sends, then marks it sent. A row that is already sent (or failed for
// good) is skipped. The gap between sending and marking cannot be closed with
// SMTP, so a choice is made: AT-LEAST-ONCE. If the process dies after the
// server accepted the mail but before the mark, the claim goes stale and,
// after Options.Lease (default 2 minutes), the mail is sent again. A missing
// welcome is worse than a rare second one, and every mail carries the
// Message-ID <event-id@recall.welcome>, so mail systems and clients can
// recognise the duplicate. While a fresh claim is held (another instance is
// sending, or the lease has not run out) the partition retries with backoff.
//
// A transient send failure (connection, 4xx) releases the claim and retries;
// a permanent one (5xx: the address is refused) marks the row failed with the
// server's answer, logs it and moves on — replaying cannot fix an address.
//
// The embedded run uses LogSender, which logs the mail instead of sending it.
package welcome
