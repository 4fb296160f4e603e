package welcome

import (
	"context"
	"crypto/tls"
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

// TLSMode says how an SMTPSender protects its connection.
type TLSMode string

// The modes. The zero value is TLSStartTLS.
const (
	// TLSStartTLS upgrades with STARTTLS after EHLO and refuses a server that
	// does not offer it (submission, port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit TLSMode = "implicit"
	// TLSNone sends in cleartext: allowed with AUTH only to a loopback server
	// (a local relay, as in a one-machine run).
	TLSNone TLSMode = "none"
)

// ErrInsecureAuth: credentials would cross the network in cleartext.
var ErrInsecureAuth = errors.New("welcome: SMTP AUTH without TLS to a server that is not on loopback")

// SMTPSender sends through one SMTP server, one connection per mail (welcome
// mails are rare; a pool would be idle).
type SMTPSender struct {
	Addr     string        // host:port
	Username string        // optional AUTH PLAIN, only after TLS (or TLSNone to loopback)
	Password string        //
	Timeout  time.Duration // per mail; default 30s
	Hello    string        // EHLO name; default "localhost"
	TLS      TLSMode       // default TLSStartTLS
	// TLSConfig verifies the server; nil: the system roots and Addr's host as the name.
	TLSConfig *tls.Config
}

// Check reports a configuration that would send credentials in cleartext, or an
// unknown mode: Config.Validate calls it, and Send refuses the same.
func (s *SMTPSender) Check() error {
	switch s.mode() {
	case TLSStartTLS, TLSImplicit:
		return nil
	case TLSNone:
		if s.Username != "" && !loopback(s.Addr) {
			return fmt.Errorf("%w (%s)", ErrInsecureAuth, s.Addr)
		}
		return nil
	}
	return fmt.Errorf("welcome: SMTP TLS mode %q: want starttls, implicit or none", s.TLS)
}

func (s *SMTPSender) mode() TLSMode {
	if s.TLS == "" {
		return TLSStartTLS
	}
	return s.TLS
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig.Clone()
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// loopback reports whether addr's host is a loopback address or localhost.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m, honouring ctx and Timeout for the whole conversation.
func (s *SMTPSender) Send(ctx context.Context, m Mail) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if err := s.Check(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	var err error
	if s.mode() == TLSImplicit {
		conn, err = (&tls.Dialer{Config: s.tlsConfig()}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return fmt.Errorf("welcome: smtp dial %s: %w", s.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var c *smtp.Client
	if s.mode() == TLSStartTLS {
		// Refuses a server that does not offer STARTTLS: never downgrades.
		if c, err = smtp.NewClientStartTLS(conn, s.tlsConfig()); err != nil {
			conn.Close()
			return fmt.Errorf("welcome: smtp %s: %w", s.Addr, refused("STARTTLS", err))
		}
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := s.converse(c, m); err != nil {
		var re *ReplyError
		if errors.As(err, &re) && re.Code >= 500 {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return fmt.Errorf("welcome: smtp: %w", err)
	}
	return nil
}

// ReplyError is an SMTP server's refusal of one command, without the server's text:
// servers echo the recipient ("550 5.1.1 <ada@example.com>: Recipient address
// rejected"), and a send error is logged and kept in welcome_emails.error, neither of
// which may hold an address (a person can be forgotten, a log line cannot). The codes
// say what went wrong; the server's own log has the rest.
type ReplyError struct {
	Command  string // the refused command: EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA, QUIT
	Code     int    // the reply code, 4xx (try again) or 5xx (for good)
	Enhanced string // the enhanced status code (RFC 3463), "" when the server sent none
}

func (e *ReplyError) Error() string {
	s := fmt.Sprintf("server refused %s: %d", e.Command, e.Code)
	if e.Enhanced != "" {
		s += " " + e.Enhanced
	}
	return s + " (reply text not kept: it may name the recipient)"
}

// refused turns a server's reply to command into a ReplyError; other errors (the
// connection, TLS) carry no reply text and are only labelled with the command.
func refused(command string, err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: %w", command, err)
	}
	re := &ReplyError{Command: command, Code: se.Code}
	if ec := se.EnhancedCode; ec != smtp.NoEnhancedCode && ec != (smtp.EnhancedCode{}) {
		re.Enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
	}
	return re
}

func (s *SMTPSender) converse(c *smtp.Client, m Mail) error {
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if s.mode() != TLSStartTLS { // NewClientStartTLS said EHLO already, as localhost
		if err := c.Hello(hello); err != nil {
			return refused("EHLO", err)
		}
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS && s.Username != "" && !loopback(s.Addr) {
		return ErrInsecureAuth // Check forbids it; kept next to AUTH so no path skips it
	}
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return refused("AUTH", err)
		}
	}
	if err := c.Mail(address(m.From), nil); err != nil {
		return refused("MAIL FROM", err)
	}
	if err := c.Rcpt(m.To, nil); err != nil {
		return refused("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return refused("DATA", err)
	}
	if _, err := w.Write(Render(m, time.Now())); err != nil {
		return refused("DATA", err)
	}
	if err := w.Close(); err != nil {
		return refused("DATA", err) // the reply to the message itself
	}
	if err := c.Quit(); err != nil {
		return refused("QUIT", err)
	}
	return nil
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

// LogSender logs that a mail would be sent instead of sending it (the embedded
// run). The recipient's address is personal data and logs travel far: only the
// message id is logged, which the welcome table maps back to the user.
type LogSender struct{ Logger *slog.Logger }

// Send logs m's message id at info level.
func (s LogSender) Send(ctx context.Context, m Mail) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "welcome email (logged, not sent)", "message_id", m.MessageID)
	return nil
}
