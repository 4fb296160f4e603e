package welcome

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// ErrPermanent marks a send the server refused for good (SMTP 5xx).
var ErrPermanent = errors.New("welcome: mail refused permanently")

// Mail is one message to send.
type Mail struct {
	MessageID string // without angle brackets
	From      string
	To        string
	Subject   string
	Body      string // plain text
}

// Sender delivers mail. Errors wrapping ErrPermanent are not retried.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// SMTPSender sends through one SMTP server, one connection per mail (welcome
// mails are rare; a pool would be idle).
type SMTPSender struct {
	Addr     string        // host:port
	Username string        // optional AUTH PLAIN (needs a TLS-capable server)
	Password string        //
	Timeout  time.Duration // per mail; default 30s
	Hello    string        // EHLO name; default "localhost"
}

// Send delivers m, honouring ctx and Timeout for the whole conversation.
func (s *SMTPSender) Send(ctx context.Context, m Mail) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("welcome: smtp dial %s: %w", s.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := s.converse(c, m); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return fmt.Errorf("welcome: smtp: %w", err)
	}
	return nil
}

func (s *SMTPSender) converse(c *smtp.Client, m Mail) error {
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return err
	}
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return err
		}
	}
	if err := c.Mail(address(m.From), nil); err != nil {
		return err
	}
	if err := c.Rcpt(m.To, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Render(m, time.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// address extracts the bare address from "Name <addr>".
func address(from string) string {
	if i, j := strings.LastIndexByte(from, '<'), strings.LastIndexByte(from, '>'); i >= 0 && j > i {
		return from[i+1 : j]
	}
	return from
}

// Render builds the RFC 5322 message. Header values lose CR and LF, so a name
// cannot inject headers.
func Render(m Mail, now time.Time) []byte {
	h := func(s string) string { return strings.NewReplacer("\r", "", "\n", " ").Replace(s) }
	var b strings.Builder
	b.WriteString("From: " + h(m.From) + "\r\n")
	b.WriteString("To: " + h(m.To) + "\r\n")
	b.WriteString("Subject: " + h(m.Subject) + "\r\n")
	b.WriteString("Message-ID: <" + h(m.MessageID) + ">\r\n")
	b.WriteString("Date: " + now.UTC().Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}

// LogSender logs mails instead of sending them (the embedded run).
type LogSender struct{ Logger *slog.Logger }

// Send logs m at info level.
func (s LogSender) Send(ctx context.Context, m Mail) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "welcome email (logged, not sent)", "message_id", m.MessageID, "to", m.To, "subject", m.Subject)
	return nil
}
