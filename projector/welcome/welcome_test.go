package welcome_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/welcome"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// mailbox is an in-process SMTP server (emersion/go-smtp) that keeps every
// message it accepts.
type mailbox struct {
	mu   sync.Mutex
	msgs []string // "to\nraw message"
	addr string
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return mb
}

func (mb *mailbox) count(to string) int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	n := 0
	for _, m := range mb.msgs {
		if to == "" || strings.HasPrefix(m, to+"\n") {
			n++
		}
	}
	return n
}

type session struct {
	mb *mailbox
	to string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	// Refusals quote the recipient, as Postfix's "Recipient address rejected" does.
	switch {
	case strings.HasPrefix(to, "bounce"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: Recipient address rejected: User unknown"}
	case strings.HasPrefix(to, "greylisted"):
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "<" + to + ">: Recipient address rejected: Greylisted"}
	}
	s.to = to
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.to+"\n"+string(b))
	s.mb.mu.Unlock()
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

type bundle struct {
	*stacktest.Stack
	pool    *pgxpool.Pool
	metrics *projection.Metrics
	mb      *mailbox
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := stacktest.Start(t, stacktest.Options{Partitions: 3})
	if err := projection.EnsureTopics(ctx, st.Client(t), versions.DLQTopic(welcome.Group)); err != nil {
		t.Fatal(err)
	}
	return &bundle{Stack: st, pool: pool, metrics: projection.NewMetrics(prometheus.NewRegistry()), mb: startMailbox(t)}
}

// run runs the welcome projection until stop is called; log, when given, gets the
// projection's and its runner's logs.
func (b *bundle) run(t *testing.T, log ...*slog.Logger) (stop func()) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if len(log) > 0 {
		logger = log[0]
	}
	h := welcome.New(b.pool, &welcome.SMTPSender{Addr: b.mb.addr, Timeout: 5 * time.Second, TLS: welcome.TLSNone},
		welcome.Options{From: "Recall <hello@recall.test>", Logger: logger})
	r, err := projection.New(projection.Config{
		Name: welcome.Name, Group: welcome.Group, Topic: stacktest.Topic, DLQTopic: versions.DLQTopic(welcome.Group),
		Brokers: b.Brokers(), Decoder: schemas.NewDecoder(b.SR), Handler: h, Pool: b.pool, Metrics: b.metrics,
		Backoff: projection.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return stacktest.Run(t, r)
}

func (b *bundle) handled() float64 {
	return testutil.ToFloat64(b.metrics.Applied.WithLabelValues(welcome.Name)) +
		testutil.ToFloat64(b.metrics.Skipped.WithLabelValues(welcome.Name))
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWelcomeOncePerUser(t *testing.T) {
	b := setup(t)
	prod := b.Client(t)
	var recs []*kgo.Record
	var emails []string
	for i, name := range []string{"ann", "ben", "cat", "dan"} {
		id := stacktest.NewID()
		email := name + "@example.com"
		emails = append(emails, email)
		ev := stacktest.Created(id, name, email, strings.ToUpper(name[:1])+name[1:], "X", "user")
		if i == 3 {
			ev = stacktest.CreatedV1(id, name, email, "Dan Brown", "user") // historical version
		}
		recs = append(recs, b.Record(t, ev), b.Record(t, stacktest.RoleChanged(id, 2, "admin", "user")))
	}
	b.Produce(t, prod, recs...)
	stop := b.run(t)
	eventually(t, "4 mails", func() bool { return b.mb.count("") == 4 })
	eventually(t, "all handled", func() bool { return b.handled() == 8 })

	// Redelivery: the relay publishes the same records again.
	b.Produce(t, prod, recs...)
	eventually(t, "redelivery handled", func() bool { return b.handled() == 16 })

	// Restart, with the group's offsets lost (rewound to the start, as if
	// never committed): everything is delivered again to a new process.
	stop()
	adm := kadm.NewClient(b.Client(t))
	offs := kadm.Offsets{}
	for p := range b.Partitions {
		offs.Add(kadm.Offset{Topic: stacktest.Topic, Partition: p, At: 0, LeaderEpoch: -1})
	}
	if _, err := adm.CommitOffsets(context.Background(), welcome.Group, offs); err != nil {
		t.Fatal(err)
	}
	b.run(t)
	eventually(t, "restart handled", func() bool { return b.handled() == 32 })

	for _, e := range emails {
		if n := b.mb.count(e); n != 1 {
			t.Errorf("%s got %d mails, want 1", e, n)
		}
	}
	b.mb.mu.Lock()
	defer b.mb.mu.Unlock()
	var dan string
	for _, m := range b.mb.msgs {
		if strings.HasPrefix(m, "dan@example.com\n") {
			dan = m
		}
	}
	if !strings.Contains(dan, "Subject: Welcome to Recall, Dan\r\n") || !strings.Contains(dan, "@recall.welcome>") {
		t.Errorf("dan's mail:\n%s", dan)
	}
}

func TestStaleClaimIsResent(t *testing.T) {
	b := setup(t)
	id := stacktest.NewID()
	ev := stacktest.Created(id, "eli", "eli@example.com", "Eli", "E", "user")
	// A process died after claiming (maybe after sending): the claim is stale.
	_, err := b.pool.Exec(context.Background(), `INSERT INTO welcome_emails (event_id, user_id, state, claimed_at)
VALUES ($1, $2, 'claimed', now() - interval '1 hour')`, ev.EventID, id)
	if err != nil {
		t.Fatal(err)
	}
	b.Produce(t, b.Client(t), b.Record(t, ev))
	b.run(t)
	eventually(t, "re-sent mail", func() bool { return b.mb.count("eli@example.com") == 1 })
	var state string
	eventually(t, "marked sent", func() bool {
		_ = b.pool.QueryRow(context.Background(), `SELECT state FROM welcome_emails WHERE event_id = $1`, ev.EventID).Scan(&state)
		return state == "sent"
	})
}

// lockedBuffer is a log sink shared by the runner's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// A server refusing a recipient quotes the address in its reply. Neither the welcome
// log (welcome_emails.error, kept for good) nor the process's logs may hold it, for a
// refusal for good (550: logged, marked failed) or a retried one (450: the partition
// pauses and logs the error on every retry). Found by an outside review: both held the
// server's reply text, address included.
func TestRefusedRecipientLeavesNoAddress(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	logs := &lockedBuffer{}
	bounce := stacktest.Created(stacktest.NewID(), "bo", "bounce.ada@example.com", "Bo", "B", "user")
	grey := stacktest.Created(stacktest.NewID(), "gr", "greylisted.eli@example.com", "Gr", "G", "user")
	b.Produce(t, b.Client(t), b.Record(t, bounce), b.Record(t, grey))
	stop := b.run(t, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var state, msg string
	eventually(t, "the refused mail marked failed", func() bool {
		_ = b.pool.QueryRow(ctx, `SELECT state, coalesce(error, '') FROM welcome_emails WHERE event_id = $1`, bounce.EventID).Scan(&state, &msg)
		return state == "failed"
	})
	eventually(t, "the greylisted mail retried", func() bool {
		return testutil.ToFloat64(b.metrics.Retries.WithLabelValues(welcome.Name, "transient")) >= 2
	})
	stop()
	if !strings.Contains(msg, "RCPT TO") || !strings.Contains(msg, "550 5.1.1") {
		t.Errorf("welcome_emails.error %q does not say which command was refused and how", msg)
	}
	for what, text := range map[string]string{"welcome_emails.error": msg, "the logs": logs.String()} {
		for _, addr := range []string{"bounce.ada@example.com", "greylisted.eli@example.com"} {
			if strings.Contains(text, addr) {
				t.Errorf("%s hold %s: %s", what, addr, text)
			}
		}
	}
	if !strings.Contains(logs.String(), "450 4.2.0") {
		t.Errorf("the retried refusal's codes are not in the logs: %s", logs.String())
	}
}
