package stack_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/recall-events/recall/stack"
)

// Issue 12, High 2: make run's command-api signs with a secret generated for its data
// directory (mode 0600), so a token forged with the secret this repository once shipped
// is refused, while the same claims signed with the directory's secret pass.
func TestEmbeddedJWTSecretPerDataDirectory(t *testing.T) {
	dir, err := os.MkdirTemp("", "recall-secret-") // not t.TempDir: the postgres user must reach inside
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	_ = os.Chmod(dir, 0o755)
	var s *stack.Stack
	s, err = stack.Start(context.Background(), stack.Options{DataDir: dir, Logs: io.Discard,
		PostgresPort: freePort(t), KafkaAddr: freeAddr(t), RegistryAddr: freeAddr(t), APIAddr: freeAddr(t),
		Without: []string{"relay", "projector"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() }) // before RemoveAll: cleanups run last-in first-out

	fi, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("jwt-secret: %v, %v; want mode 0600", fi, err)
	}
	kept, _ := os.ReadFile(filepath.Join(dir, "jwt-secret"))
	if len(s.JWTSecret) < 32 || string(kept) != s.JWTSecret+"\n" {
		t.Fatalf("secret %q, file %q", s.JWTSecret, kept)
	}

	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(login(t, s.APIURL), claims); err != nil {
		t.Fatal(err)
	}
	sign := func(secret string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	history := fmt.Sprintf("%s/v1/users/%s/history", s.APIURL, claims["sub"]) // from the store: no projector needed
	call(t, "GET", history, sign("recall-embedded-dev-secret-not-for-production!"), "", 401)
	call(t, "GET", history, sign(s.JWTSecret), "", 200)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func freePort(t *testing.T) int {
	port, err := strconv.Atoi(freeAddr(t)[len("127.0.0.1:"):])
	if err != nil {
		t.Fatal(err)
	}
	return port
}
