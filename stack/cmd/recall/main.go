// Command recall runs all of Recall on one machine (`make run`): a private PostgreSQL
// cluster, kfake, srfake, command-api, the relay and the projector, with data kept in
// --data-dir. Flags and their environment twins are listed by --help; Ctrl-C stops
// everything gracefully.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/stack"
)

func main() {
	os.Exit(envflag.Execute(command(run), os.Args[1:], os.Getenv))
}

// config is the command line of recall, the make-run binary.
type config struct {
	DataDir string
	LogFile string
	stack.Options
}

func defaultConfig() config {
	return config{DataDir: ".data", Options: stack.Options{
		APIAddr: "127.0.0.1:8080", RelayListen: "127.0.0.1:9101", ProjectorListen: "127.0.0.1:9102",
		KafkaAddr: "127.0.0.1:9092", RegistryAddr: "127.0.0.1:8081", PostgresPort: 55432,
		AdminPassword: "recall-admin", Tracing: tracing.DefaultConfig(),
	}}
}

func (c *config) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "where PostgreSQL and Kafka keep their data")
	fs.StringVar(&c.LogFile, "log-file", c.LogFile, "the services' JSON logs go here (empty: stderr)")
	fs.StringVar(&c.AdminPassword, "admin-password", c.AdminPassword, "bootstrap admin's password")
	fs.StringVar(&c.APIAddr, "api-addr", c.APIAddr, "command-api")
	fs.StringVar(&c.RelayListen, "relay-listen", c.RelayListen, "relay health and metrics")
	fs.StringVar(&c.ProjectorListen, "projector-listen", c.ProjectorListen, "projector health and metrics")
	fs.StringVar(&c.KafkaAddr, "kafka-addr", c.KafkaAddr, "kfake broker")
	fs.StringVar(&c.RegistryAddr, "registry-addr", c.RegistryAddr, "srfake schema registry")
	fs.IntVar(&c.PostgresPort, "pg-port", c.PostgresPort, "PostgreSQL port on 127.0.0.1")
	fs.StringSliceVar(&c.Without, "without", c.Without, "services not to run, comma-separated: projector, relay, command-api (e.g. to reset a projection in place)")
	c.Tracing.Flags(fs)
	for flag, env := range map[string]string{
		"data-dir": "RECALL_DATA_DIR", "log-file": "RECALL_LOG_FILE", "admin-password": "RECALL_ADMIN_PASSWORD",
		"api-addr": "RECALL_API_ADDR", "relay-listen": "RECALL_RELAY_LISTEN", "projector-listen": "RECALL_PROJECTOR_LISTEN",
		"kafka-addr": "RECALL_KAFKA_ADDR", "registry-addr": "RECALL_REGISTRY_ADDR", "pg-port": "RECALL_PG_PORT",
		"without": "RECALL_WITHOUT",
	} {
		envflag.Bind(fs, flag, env)
	}
}

// Validate reports every problem at once.
func (c config) Validate() error {
	var errs []error
	for name, addr := range map[string]string{"--api-addr": c.APIAddr, "--relay-listen": c.RelayListen,
		"--projector-listen": c.ProjectorListen, "--kafka-addr": c.KafkaAddr, "--registry-addr": c.RegistryAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want host:port", name, addr))
		}
	}
	if c.PostgresPort <= 0 || c.PostgresPort > 65535 {
		errs = append(errs, fmt.Errorf("--pg-port %d: want a port number", c.PostgresPort))
	}
	for _, w := range c.Without {
		if w != "projector" && w != "relay" && w != "command-api" {
			errs = append(errs, fmt.Errorf("--without %q: want projector, relay or command-api", w))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	if len(c.AdminPassword) < 8 {
		errs = append(errs, errors.New("--admin-password must be at least 8 characters"))
	}
	errs = append(errs, c.Tracing.Validate())
	return errors.Join(errs...)
}

// command is the make-run binary's command line over run (a stand-in in tests).
func command(run func(context.Context, config, io.Writer) error) *cobra.Command {
	cfg := defaultConfig()
	cmd := &cobra.Command{
		Use:   "recall",
		Short: "Run all of Recall on one machine: PostgreSQL, kfake, srfake, command-api, relay, projector",
		Long: "Run all of Recall on one machine: PostgreSQL, kfake, srfake, command-api, relay, projector.\n\n" +
			"RECALL_PG_BIN (environment only) is the folder holding initdb and postgres.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return run(c.Context(), cfg, c.OutOrStdout()) },
	}
	cfg.flags(cmd.Flags())
	return cmd
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	logs := io.Writer(os.Stderr)
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logs = f
	}
	fmt.Fprintln(out, "starting Recall (PostgreSQL, kfake, srfake, command-api, relay, projector)…")
	o := cfg.Options
	o.DataDir, o.Logs = abs, logs
	s, err := stack.Start(ctx, o)
	if err != nil {
		return explainPorts(err)
	}
	banner(out, s, abs, o.AdminPassword)
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping…")
	return s.Stop()
}

// portFlags names the flag and env twin that move each of the stack's ports.
var portFlags = map[string][2]string{
	stack.PortPostgres: {"--pg-port", "RECALL_PG_PORT"}, stack.PortKafka: {"--kafka-addr", "RECALL_KAFKA_ADDR"},
	stack.PortRegistry: {"--registry-addr", "RECALL_REGISTRY_ADDR"}, stack.PortAPI: {"--api-addr", "RECALL_API_ADDR"},
	stack.PortRelay: {"--relay-listen", "RECALL_RELAY_LISTEN"}, stack.PortProjector: {"--projector-listen", "RECALL_PROJECTOR_LISTEN"},
}

// explainPorts turns the stack's busy-port errors into one line per port naming what
// moves it, and a make run line with free ports nearby; other errors pass unchanged.
func explainPorts(err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var b, try strings.Builder
	for _, e := range errs {
		var p *stack.BusyPortError
		if !errors.As(e, &p) {
			return err
		}
		f := portFlags[p.Port]
		fmt.Fprintf(&b, "\n  %-15s busy, move it with %s / %s", p.Addr, f[0], f[1])
		if free := freeNear(p.Addr); free != "" {
			if p.Port == stack.PortPostgres {
				_, free, _ = net.SplitHostPort(free)
			}
			fmt.Fprintf(&try, " %s=%s", f[1], free)
		}
	}
	msg := fmt.Sprintf("%d port(s) in use; stop what holds them or move Recall's:%s", len(errs), b.String())
	if try.Len() > 0 {
		msg += "\n  e.g. make run" + try.String()
	}
	return errors.New(msg)
}

// freeNear is the first free address on the next 100 ports after addr's, or "".
func freeNear(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	n, _ := strconv.Atoi(port)
	for p := n + 1; p <= min(n+100, 65535); p++ {
		a := net.JoinHostPort(host, strconv.Itoa(p))
		if l, err := net.Listen("tcp", a); err == nil {
			l.Close()
			return a
		}
	}
	return ""
}

func banner(out io.Writer, s *stack.Stack, dir, password string) {
	fmt.Fprintf(out, `
Recall is running (data in %s; Ctrl-C stops it)
  command-api      %s   (OpenAPI: %s/openapi.json)
  relay            %s/metrics
  projector        %s/metrics
  PostgreSQL       %s
  Kafka (kfake)    %s   topic recall.user.events
  schema registry  %s

Try it:
  TOKEN=$(curl -s -X POST %s/v1/auth/login -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"%s"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -s -X POST %s/v1/users -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","password":"correct horse battery"}'
`, dir, s.APIURL, s.APIURL, s.RelayURL, s.ProjectorURL, s.DatabaseURL, s.Brokers[0], s.RegistryURL, s.APIURL, password, s.APIURL)
}
