package kafkaauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/ops/envflag"
)

// The SASL mechanisms.
const (
	ScramSHA256 = "SCRAM-SHA-256"
	ScramSHA512 = "SCRAM-SHA-512"
	Plain       = "PLAIN"
)

// Config is the brokers' and the registry's security settings.
type Config struct {
	// TLS turns TLS on for the brokers; the file settings below imply it.
	TLS        bool   // RECALL_KAFKA_TLS
	CAFile     string // RECALL_KAFKA_TLS_CA_FILE: PEM roots; empty: the system's
	CertFile   string // RECALL_KAFKA_TLS_CERT_FILE: client certificate (mutual TLS)
	KeyFile    string // RECALL_KAFKA_TLS_KEY_FILE
	ServerName string // RECALL_KAFKA_TLS_SERVER_NAME: empty: the broker's host

	SASLMechanism string // RECALL_KAFKA_SASL_MECHANISM: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN; empty: none
	SASLUsername  string // RECALL_KAFKA_SASL_USERNAME
	SASLPassword  string // RECALL_KAFKA_SASL_PASSWORD (env only)

	RegistryCAFile   string // RECALL_SCHEMA_REGISTRY_CA_FILE: PEM roots for an https registry
	RegistryUsername string // RECALL_SCHEMA_REGISTRY_USERNAME: HTTP basic auth
	RegistryPassword string // RECALL_SCHEMA_REGISTRY_PASSWORD (env only)
}

// Flags binds c to fs with the RECALL_KAFKA_* and RECALL_SCHEMA_REGISTRY_* twins.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.TLS, "kafka-tls", c.TLS, "TLS to the brokers (implied by the other --kafka-tls-* flags)")
	fs.StringVar(&c.CAFile, "kafka-tls-ca-file", c.CAFile, "PEM CA bundle for the brokers; empty: the system roots")
	fs.StringVar(&c.CertFile, "kafka-tls-cert-file", c.CertFile, "PEM client certificate (mutual TLS)")
	fs.StringVar(&c.KeyFile, "kafka-tls-key-file", c.KeyFile, "PEM client key (mutual TLS)")
	fs.StringVar(&c.ServerName, "kafka-tls-server-name", c.ServerName, "name the brokers' certificates must carry; empty: the broker's host")
	fs.StringVar(&c.SASLMechanism, "kafka-sasl-mechanism", c.SASLMechanism, "SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN; empty: no SASL")
	fs.StringVar(&c.SASLUsername, "kafka-sasl-username", c.SASLUsername, "SASL user (the principal the ACLs name)")
	fs.StringVar(&c.RegistryCAFile, "schema-registry-ca-file", c.RegistryCAFile, "PEM CA bundle for an https registry; empty: the system roots")
	fs.StringVar(&c.RegistryUsername, "schema-registry-username", c.RegistryUsername, "registry HTTP basic-auth user")
	for flag, env := range map[string]string{
		"kafka-tls": "RECALL_KAFKA_TLS", "kafka-tls-ca-file": "RECALL_KAFKA_TLS_CA_FILE",
		"kafka-tls-cert-file": "RECALL_KAFKA_TLS_CERT_FILE", "kafka-tls-key-file": "RECALL_KAFKA_TLS_KEY_FILE",
		"kafka-tls-server-name": "RECALL_KAFKA_TLS_SERVER_NAME", "kafka-sasl-mechanism": "RECALL_KAFKA_SASL_MECHANISM",
		"kafka-sasl-username": "RECALL_KAFKA_SASL_USERNAME", "schema-registry-ca-file": "RECALL_SCHEMA_REGISTRY_CA_FILE",
		"schema-registry-username": "RECALL_SCHEMA_REGISTRY_USERNAME",
	} {
		envflag.Bind(fs, flag, env)
	}
	envflag.Secret(fs, &c.SASLPassword, "kafka-sasl-password", "RECALL_KAFKA_SASL_PASSWORD")
	envflag.Secret(fs, &c.RegistryPassword, "schema-registry-password", "RECALL_SCHEMA_REGISTRY_PASSWORD")
}

// Validate lists every problem at once, the files' readability included.
func (c Config) Validate() error {
	var errs []error
	if _, err := c.tlsConfig(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.mechanism(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.registryTLS(); err != nil {
		errs = append(errs, err)
	}
	if (c.RegistryUsername == "") != (c.RegistryPassword == "") {
		errs = append(errs, errors.New("schema registry basic auth needs both RECALL_SCHEMA_REGISTRY_USERNAME and _PASSWORD"))
	}
	return errors.Join(errs...)
}

// KafkaOpts are the kgo options of c: TLS dialing and the SASL mechanism.
func (c Config) KafkaOpts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	m, err := c.mechanism()
	if err != nil {
		return nil, err
	}
	if m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// RegistryOpts are the sr client options of c: a TLS-configured HTTP client and basic
// auth.
func (c Config) RegistryOpts() ([]sr.ClientOpt, error) {
	var opts []sr.ClientOpt
	tc, err := c.registryTLS()
	if err != nil {
		return nil, err
	}
	if tc != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		opts = append(opts, sr.HTTPClient(&http.Client{Transport: tr}))
	}
	if c.RegistryUsername != "" {
		opts = append(opts, sr.BasicAuth(c.RegistryUsername, c.RegistryPassword))
	}
	return opts, nil
}

// tlsConfig is the brokers' TLS configuration, nil when TLS is off.
func (c Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS && c.CAFile == "" && c.CertFile == "" && c.KeyFile == "" && c.ServerName == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	var errs []error
	if c.CAFile != "" {
		pool, err := readPool(c.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("RECALL_KAFKA_TLS_CA_FILE: %w", err))
		}
		tc.RootCAs = pool
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("RECALL_KAFKA_TLS_CERT_FILE and RECALL_KAFKA_TLS_KEY_FILE go together"))
	} else if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("kafka client certificate: %w", err))
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, errors.Join(errs...)
}

// registryTLS is the registry's TLS configuration, nil for the defaults.
func (c Config) registryTLS() (*tls.Config, error) {
	if c.RegistryCAFile == "" {
		return nil, nil
	}
	pool, err := readPool(c.RegistryCAFile)
	if err != nil {
		return nil, fmt.Errorf("RECALL_SCHEMA_REGISTRY_CA_FILE: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}

func readPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

// mechanism is the SASL mechanism of c, nil when SASL is off.
func (c Config) mechanism() (sasl.Mechanism, error) {
	if c.SASLMechanism == "" {
		if c.SASLUsername != "" || c.SASLPassword != "" {
			return nil, errors.New("RECALL_KAFKA_SASL_USERNAME/_PASSWORD set without RECALL_KAFKA_SASL_MECHANISM")
		}
		return nil, nil
	}
	if c.SASLUsername == "" || c.SASLPassword == "" {
		return nil, fmt.Errorf("SASL %s needs RECALL_KAFKA_SASL_USERNAME and RECALL_KAFKA_SASL_PASSWORD", c.SASLMechanism)
	}
	switch strings.ToUpper(c.SASLMechanism) {
	case ScramSHA256:
		return scram.Auth{User: c.SASLUsername, Pass: c.SASLPassword}.AsSha256Mechanism(), nil
	case ScramSHA512:
		return scram.Auth{User: c.SASLUsername, Pass: c.SASLPassword}.AsSha512Mechanism(), nil
	case Plain:
		return plain.Auth{User: c.SASLUsername, Pass: c.SASLPassword}.AsMechanism(), nil
	}
	return nil, fmt.Errorf("RECALL_KAFKA_SASL_MECHANISM %q: want SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN", c.SASLMechanism)
}
