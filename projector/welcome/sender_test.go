package welcome_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/recall-events/recall/projector/welcome"
)

// authServer is a go-smtp server that accepts AUTH PLAIN even in cleartext
// (AllowInsecureAuth), so only the client can keep credentials off the wire; it
// records whether each AUTH came over TLS.
type authServer struct {
	addr  string
	roots *x509.CertPool

	mu        sync.Mutex
	auths     []bool // per AUTH: over TLS?
	delivered int
}

type authSession struct {
	srv  *authServer
	conn *smtp.Conn
}

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		_, isTLS := s.conn.TLSConnectionState()
		s.srv.mu.Lock()
		s.srv.auths = append(s.srv.auths, isTLS)
		s.srv.mu.Unlock()
		if user != "mailer" || pass != "smtp-pw-1" {
			return errors.New("bad credentials")
		}
		return nil
	}), nil
}
func (s *authSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *authSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *authSession) Data(io.Reader) error {
	s.srv.mu.Lock()
	s.srv.delivered++
	s.srv.mu.Unlock()
	return nil
}
func (s *authSession) Reset()        {}
func (s *authSession) Logout() error { return nil }

// startAuthServer serves on loopback; starttls offers STARTTLS, implicit speaks TLS
// from the first byte; neither: cleartext only.
func startAuthServer(t *testing.T, starttls, implicit bool) *authServer {
	t.Helper()
	cert, roots := selfSigned(t)
	as := &authServer{roots: roots}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &authSession{srv: as, conn: c}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	var ln net.Listener
	var err error
	if starttls || implicit {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	as.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return as
}

func (as *authServer) state() (auths []bool, delivered int) {
	as.mu.Lock()
	defer as.mu.Unlock()
	return append([]bool(nil), as.auths...), as.delivered
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

var testMail = welcome.Mail{MessageID: "m1@recall.test", From: "Recall <hello@recall.test>", To: "ada@example.com", Subject: "Welcome", Body: "hi"}

// Issue 12, Medium 8: credentials go only over TLS — STARTTLS or implicit — and a
// server without STARTTLS gets none (no downgrade).
func TestSMTPAuthOnlyOverTLS(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		starttls, implicit bool
		mode               welcome.TLSMode
	}{
		"starttls": {starttls: true, mode: ""}, // the default
		"implicit": {implicit: true, mode: welcome.TLSImplicit},
	} {
		t.Run(name, func(t *testing.T) {
			srv := startAuthServer(t, tc.starttls, tc.implicit)
			s := &welcome.SMTPSender{Addr: srv.addr, Username: "mailer", Password: "smtp-pw-1", TLS: tc.mode,
				TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "127.0.0.1"}, Timeout: 5 * time.Second}
			if err := s.Send(ctx, testMail); err != nil {
				t.Fatal(err)
			}
			if auths, n := srv.state(); n != 1 || len(auths) != 1 || !auths[0] {
				t.Fatalf("delivered %d, AUTH over TLS %v; want 1, [true]", n, auths)
			}
		})
	}

	t.Run("no STARTTLS offered", func(t *testing.T) {
		srv := startAuthServer(t, false, false)
		s := &welcome.SMTPSender{Addr: srv.addr, Username: "mailer", Password: "smtp-pw-1", Timeout: 5 * time.Second}
		if err := s.Send(ctx, testMail); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("sent without STARTTLS: %v", err)
		}
		if auths, n := srv.state(); len(auths) != 0 || n != 0 {
			t.Fatalf("server saw %d AUTH, %d mails; want none", len(auths), n)
		}
	})

	t.Run("cleartext AUTH to loopback, explicitly", func(t *testing.T) {
		srv := startAuthServer(t, false, false)
		s := &welcome.SMTPSender{Addr: srv.addr, Username: "mailer", Password: "smtp-pw-1", TLS: welcome.TLSNone, Timeout: 5 * time.Second}
		if err := s.Send(ctx, testMail); err != nil {
			t.Fatal(err)
		}
		if auths, n := srv.state(); n != 1 || len(auths) != 1 || auths[0] {
			t.Fatalf("delivered %d, AUTH over TLS %v", n, auths)
		}
	})

	t.Run("cleartext AUTH elsewhere", func(t *testing.T) {
		s := &welcome.SMTPSender{Addr: "192.0.2.1:25", Username: "mailer", Password: "smtp-pw-1", TLS: welcome.TLSNone}
		if err := s.Check(); !errors.Is(err, welcome.ErrInsecureAuth) {
			t.Fatalf("Check = %v, want ErrInsecureAuth", err)
		}
		if err := s.Send(ctx, testMail); !errors.Is(err, welcome.ErrInsecureAuth) {
			t.Fatalf("Send = %v, want ErrInsecureAuth before dialling", err)
		}
	})
}

// Issue 12, Medium 8: the log sender keeps recipient addresses out of the logs.
func TestLogSenderLogsNoAddress(t *testing.T) {
	var buf bytes.Buffer
	if err := (welcome.LogSender{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}).Send(context.Background(), testMail); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "ada@example.com") || !strings.Contains(buf.String(), testMail.MessageID) {
		t.Fatalf("log line: %s", buf.String())
	}
}
