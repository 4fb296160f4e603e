package kafkaauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/kafkaauth"
)

func parse(t *testing.T, env map[string]string, args ...string) (kafkaauth.Config, error) {
	t.Helper()
	var c kafkaauth.Config
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.Flags(fs)
	return c, envflag.Parse(fs, args, func(k string) string { return env[k] })
}

// ping lists the brokers' metadata, which needs an authenticated connection.
func ping(t *testing.T, addrs []string, opts ...kgo.Opt) error {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...), kgo.RetryTimeout(2 * time.Second)}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.Ping(ctx)
}

// Issue 12, Medium 3: against a broker that demands SASL, a client without credentials
// (or with wrong ones) is refused; with the configured mechanism and user it works.
func TestSASLAgainstKfake(t *testing.T) {
	for _, mech := range []string{kafkaauth.ScramSHA256, kafkaauth.ScramSHA512, kafkaauth.Plain} {
		t.Run(mech, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "relay", "relay-pw-1"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := ping(t, c.ListenAddrs()); err == nil {
				t.Fatal("a client without credentials was served")
			}
			env := map[string]string{"RECALL_KAFKA_SASL_MECHANISM": mech, "RECALL_KAFKA_SASL_USERNAME": "relay", "RECALL_KAFKA_SASL_PASSWORD": "wrong"}
			cfg, err := parse(t, env)
			if err != nil || cfg.Validate() != nil {
				t.Fatal(err, cfg.Validate())
			}
			opts, err := cfg.KafkaOpts()
			if err != nil {
				t.Fatal(err)
			}
			if err := ping(t, c.ListenAddrs(), opts...); err == nil {
				t.Fatal("a wrong password was accepted")
			}
			env["RECALL_KAFKA_SASL_PASSWORD"] = "relay-pw-1"
			cfg, _ = parse(t, env)
			opts, _ = cfg.KafkaOpts()
			if err := ping(t, c.ListenAddrs(), opts...); err != nil {
				t.Fatalf("with credentials: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"unknown mechanism": {"RECALL_KAFKA_SASL_MECHANISM": "GSSAPI", "RECALL_KAFKA_SASL_USERNAME": "u", "RECALL_KAFKA_SASL_PASSWORD": "p"},
		"no password":       {"RECALL_KAFKA_SASL_MECHANISM": "PLAIN", "RECALL_KAFKA_SASL_USERNAME": "u"},
		"user, no mech":     {"RECALL_KAFKA_SASL_USERNAME": "u"},
		"missing CA":        {"RECALL_KAFKA_TLS_CA_FILE": "/nonexistent/ca.pem"},
		"cert without key":  {"RECALL_KAFKA_TLS_CERT_FILE": "/nonexistent/c.pem"},
		"registry user":     {"RECALL_SCHEMA_REGISTRY_USERNAME": "u"},
	} {
		cfg, err := parse(t, env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Passwords never come from the command line.
	if _, err := parse(t, nil, "--kafka-sasl-password", "x"); err == nil || !strings.Contains(err.Error(), "RECALL_KAFKA_SASL_PASSWORD") {
		t.Errorf("password flag: %v", err)
	}
	if cfg, _ := parse(t, nil); cfg.Validate() != nil {
		t.Errorf("zero config: %v", cfg.Validate())
	}
}

// The registry client sends basic auth when configured.
func TestRegistryBasicAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "projector" || p != "sr-pw-1" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":401,"message":"Unauthorized"}`))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	subjects := func(opts ...sr.ClientOpt) error {
		cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(srv.URL)}, opts...)...)
		if err != nil {
			return err
		}
		_, err = cl.Subjects(context.Background())
		return err
	}
	var re *sr.ResponseError
	if err := subjects(); !errors.As(err, &re) || re.StatusCode != 401 {
		t.Fatalf("without auth: %v", err)
	}
	cfg, _ := parse(t, map[string]string{"RECALL_SCHEMA_REGISTRY_USERNAME": "projector", "RECALL_SCHEMA_REGISTRY_PASSWORD": "sr-pw-1"})
	opts, err := cfg.RegistryOpts()
	if err != nil {
		t.Fatal(err)
	}
	if err := subjects(opts...); err != nil {
		t.Fatalf("with auth: %v", err)
	}
}
