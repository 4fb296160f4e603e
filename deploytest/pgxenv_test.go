package deploytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The chart points every pod at database.ca with PGSSLROOTCERT instead of editing the
// URLs it does not own: pgx must take it as the URL's sslrootcert, so verify-full checks
// the server against that CA, and refuse to start when the file is missing rather than
// fall back to the system roots.
func TestPGXReadsLibpqEnv(t *testing.T) {
	const url = "postgres://recall@db.internal:5432/recall?sslmode=verify-full"
	ca := writeCA(t)
	t.Setenv("PGSSLROOTCERT", ca)
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || cfg.TLSConfig.RootCAs == nil || cfg.TLSConfig.ServerName != "db.internal" {
		t.Fatalf("TLS config %+v: want the CA of PGSSLROOTCERT as roots and the host's name checked", cfg.TLSConfig)
	}
	want, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(want)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: cfg.TLSConfig.RootCAs}); err != nil {
		t.Errorf("the roots pgx uses are not PGSSLROOTCERT's CA: %v", err)
	}

	t.Setenv("PGSSLROOTCERT", filepath.Join(t.TempDir(), "missing.crt"))
	if _, err := pgconn.ParseConfig(url); err == nil {
		t.Error("a missing PGSSLROOTCERT file was accepted")
	}
}

// writeCA writes a self-signed CA certificate (PEM) and returns its path.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "recall test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
