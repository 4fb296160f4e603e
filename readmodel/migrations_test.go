package readmodel_test

import (
	"context"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/readmodel"
)

// Releases before 007 kept an SMTP server's reply in welcome_emails.error, and replies
// quote the recipient. Migrating removes every address from what they wrote and leaves
// the rest of each message (and errors without an address) as it was.
func TestMigrationRemovesAddressesFromWelcomeErrors(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, migrationsBefore(t, "007")); err != nil {
		t.Fatal(err)
	}
	rows := map[string]*string{
		"welcome: mail refused permanently: SMTP error 550: <bounce.ada@example.com>: Recipient address rejected": ptr("welcome: mail refused permanently: SMTP error 550: <<address removed>>: Recipient address rejected"),
		"SMTP error 550: 5.1.1 ada.o'neil+tag@mail.example.org, eli@example.com (user unknown)":                   ptr("SMTP error 550: 5.1.1 <address removed>, <address removed> (user unknown)"),
		"welcome: smtp dial 10.0.0.7:25: i/o timeout":                                                             ptr("welcome: smtp dial 10.0.0.7:25: i/o timeout"),
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ids := map[string]uuid.UUID{}
	for msg := range rows {
		ids[msg] = uuid.New()
		if _, err := conn.Exec(ctx, `INSERT INTO welcome_emails (event_id, user_id, state, error) VALUES ($1, $2, 'failed', $3)`,
			ids[msg], uuid.New(), msg); err != nil {
			t.Fatal(err)
		}
	}
	sent := uuid.New()
	if _, err := conn.Exec(ctx, `INSERT INTO welcome_emails (event_id, user_id, state) VALUES ($1, $2, 'sent')`, sent, uuid.New()); err != nil {
		t.Fatal(err)
	}
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	for msg, want := range rows {
		var got *string
		if err := conn.QueryRow(ctx, `SELECT error FROM welcome_emails WHERE event_id = $1`, ids[msg]).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got == nil || *got != *want || strings.Contains(*got, "@") {
			t.Errorf("error %q became %v, want %q", msg, deref(got), *want)
		}
	}
	var none *string
	if err := conn.QueryRow(ctx, `SELECT error FROM welcome_emails WHERE event_id = $1`, sent).Scan(&none); err != nil || none != nil {
		t.Errorf("a sent mail's error became %v (%v), want NULL", deref(none), err)
	}
}

// migrationsBefore is readmodel.Migrations without the files from version first on: the
// database as an older release left it.
func migrationsBefore(t *testing.T, first string) pgmigrate.Set {
	t.Helper()
	set := readmodel.Migrations
	entries, err := fs.ReadDir(set.FS, set.Dir)
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	for _, e := range entries {
		if e.Name() >= first {
			continue
		}
		b, err := fs.ReadFile(set.FS, path.Join(set.Dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		old[path.Join(set.Dir, e.Name())] = &fstest.MapFile{Data: b}
	}
	set.FS = old
	return set
}

func ptr(s string) *string { return &s }

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// Dead letters a verifying projector filed as 'apply' before the signature kind existed
// become 'signature', so a retry leaves them alone; other apply letters stay retryable.
func TestMigrationFilesOldSignatureFailuresAsSuch(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, migrationsBefore(t, "008")); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	errs := map[string]string{
		"projection: verify: schemas: record signature: want one recall_signature_key and one recall_signature header, got 0 and 0": readmodel.KindSignature,
		"users: RoleChanged data: unexpected end of JSON input":                                                                     readmodel.KindApply,
	}
	for msg := range errs {
		if _, err := conn.Exec(ctx, `INSERT INTO projector_dead_letters (projection, topic, partition, record_offset, aggregate_id, revision, error)
VALUES ('users.v1', 'recall.user.events', 0, $1, $2, 1, $3)`, len(msg), uuid.NewString(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	for msg, want := range errs {
		var kind string
		if err := conn.QueryRow(ctx, `SELECT error_kind FROM projector_dead_letters WHERE error = $1`, msg).Scan(&kind); err != nil || kind != want {
			t.Errorf("%q: kind %q (%v), want %q", msg, kind, err, want)
		}
	}
}
