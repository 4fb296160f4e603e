package kafkaauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/recall-events/recall/ops/kafkaauth"
)

// pki is a throwaway CA with one server and one client certificate, as PEM files.
type pki struct {
	caFile, clientCert, clientKey string
	server                        tls.Certificate
	pool                          *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "recall test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		if usage == x509.ExtKeyUsageServerAuth { // the brokers are dialled by IP; the name is for --kafka-tls-server-name
			tmpl.DNSNames, tmpl.IPAddresses = []string{"kafka.test"}, []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, der []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p := pki{caFile: write("ca.pem", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	srvDER, srvKey := issue(2, "kafka.test", x509.ExtKeyUsageServerAuth)
	p.server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := issue(3, "relay", x509.ExtKeyUsageClientAuth)
	keyDER, err := x509.MarshalECPrivateKey(cliKey)
	if err != nil {
		t.Fatal(err)
	}
	p.clientCert, p.clientKey = write("client.pem", "CERTIFICATE", cliDER), write("client-key.pem", "EC PRIVATE KEY", keyDER)
	return p
}

// Issue 12, Medium 3: against a broker that speaks TLS only (kfake.TLS), the settings the
// relay, the projector and the replayer share connect with the broker's CA and fail
// without it, in plaintext, or when the certificate does not carry the expected name;
// SASL runs over that TLS; a broker requiring client certificates takes the configured one.
func TestTLSAgainstKfake(t *testing.T) {
	p := newPKI(t)
	cluster := func(t *testing.T, clientAuth tls.ClientAuthType, opts ...kfake.Opt) []string {
		tc := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12, ClientAuth: clientAuth, ClientCAs: p.pool}
		c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.TLS(tc)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c.ListenAddrs()
	}
	try := func(t *testing.T, addrs []string, env map[string]string) error {
		t.Helper()
		cfg, err := parse(t, env)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		opts, err := cfg.KafkaOpts()
		if err != nil {
			t.Fatal(err)
		}
		return ping(t, addrs, opts...)
	}

	t.Run("server TLS", func(t *testing.T) {
		addrs := cluster(t, tls.NoClientCert)
		for name, env := range map[string]map[string]string{
			"plaintext":          nil,
			"system roots":       {"RECALL_KAFKA_TLS": "true"},
			"CA, wrong name":     {"RECALL_KAFKA_TLS_CA_FILE": p.caFile, "RECALL_KAFKA_TLS_SERVER_NAME": "evil.test"},
			"another CA's roots": {"RECALL_KAFKA_TLS_CA_FILE": newPKI(t).caFile},
		} {
			if err := try(t, addrs, env); err == nil {
				t.Errorf("%s: connected to a TLS broker it cannot trust", name)
			}
		}
		if err := try(t, addrs, map[string]string{"RECALL_KAFKA_TLS_CA_FILE": p.caFile}); err != nil {
			t.Errorf("with the CA: %v", err)
		}
		if err := try(t, addrs, map[string]string{"RECALL_KAFKA_TLS_CA_FILE": p.caFile, "RECALL_KAFKA_TLS_SERVER_NAME": "kafka.test"}); err != nil {
			t.Errorf("with the CA and the certificate's name: %v", err)
		}
	})

	t.Run("SASL over TLS", func(t *testing.T) {
		addrs := cluster(t, tls.NoClientCert, kfake.EnableSASL(), kfake.Superuser(kafkaauth.ScramSHA512, "projector", "projector-pw-1"))
		env := map[string]string{"RECALL_KAFKA_TLS_CA_FILE": p.caFile}
		if err := try(t, addrs, env); err == nil {
			t.Error("TLS without SASL credentials was served")
		}
		env["RECALL_KAFKA_SASL_MECHANISM"], env["RECALL_KAFKA_SASL_USERNAME"], env["RECALL_KAFKA_SASL_PASSWORD"] = kafkaauth.ScramSHA512, "projector", "projector-pw-1"
		if err := try(t, addrs, env); err != nil {
			t.Errorf("SASL over TLS: %v", err)
		}
		delete(env, "RECALL_KAFKA_TLS_CA_FILE")
		if err := try(t, addrs, env); err == nil {
			t.Error("SASL in plaintext reached a TLS listener")
		}
	})

	t.Run("mutual TLS", func(t *testing.T) {
		addrs := cluster(t, tls.RequireAndVerifyClientCert)
		env := map[string]string{"RECALL_KAFKA_TLS_CA_FILE": p.caFile}
		if err := try(t, addrs, env); err == nil {
			t.Error("a broker requiring client certificates served a client without one")
		}
		env["RECALL_KAFKA_TLS_CERT_FILE"], env["RECALL_KAFKA_TLS_KEY_FILE"] = p.clientCert, p.clientKey
		if err := try(t, addrs, env); err != nil {
			t.Errorf("with the client certificate: %v", err)
		}
	})
}
