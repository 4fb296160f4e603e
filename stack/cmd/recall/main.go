// Command devstack runs all of Recall on one machine (`make run`): a private PostgreSQL
// cluster, kfake, srfake, command-api, the relay and the projector, with data kept in
// --data-dir. Ctrl-C stops everything gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/recall-events/recall/stack"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	dataDir := fs.String("data-dir", envOr("RECALL_DATA_DIR", ".data"), "where PostgreSQL and Kafka keep their data ($RECALL_DATA_DIR)")
	logFile := fs.String("log-file", envOr("RECALL_LOG_FILE", ""), "services' JSON logs go here (default: stderr)")
	var o stack.Options
	fs.StringVar(&o.APIAddr, "api-addr", envOr("RECALL_API_ADDR", "127.0.0.1:8080"), "command-api ($RECALL_API_ADDR)")
	fs.StringVar(&o.RelayListen, "relay-listen", envOr("RECALL_RELAY_LISTEN", "127.0.0.1:9101"), "relay health and metrics ($RECALL_RELAY_LISTEN)")
	fs.StringVar(&o.ProjectorListen, "projector-listen", envOr("RECALL_PROJECTOR_LISTEN", "127.0.0.1:9102"), "projector health and metrics ($RECALL_PROJECTOR_LISTEN)")
	fs.StringVar(&o.KafkaAddr, "kafka-addr", envOr("RECALL_KAFKA_ADDR", "127.0.0.1:9092"), "kfake broker ($RECALL_KAFKA_ADDR)")
	fs.StringVar(&o.RegistryAddr, "registry-addr", envOr("RECALL_REGISTRY_ADDR", "127.0.0.1:8081"), "srfake schema registry ($RECALL_REGISTRY_ADDR)")
	pgPort := envOr("RECALL_PG_PORT", "55432")
	fs.StringVar(&pgPort, "pg-port", pgPort, "PostgreSQL port on 127.0.0.1 ($RECALL_PG_PORT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := fmt.Sscan(pgPort, &o.PostgresPort); err != nil || o.PostgresPort <= 0 || o.PostgresPort > 65535 {
		return fmt.Errorf("--pg-port %q: want a port number", pgPort)
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	logs := io.Writer(os.Stderr)
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		logs = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(out, "starting Recall (PostgreSQL, kfake, srfake, command-api, relay, projector)…")
	o.DataDir, o.AdminPassword, o.Logs = abs, os.Getenv("RECALL_ADMIN_PASSWORD"), logs
	s, err := stack.Start(ctx, o)
	if err != nil {
		return err
	}
	banner(out, s, abs)
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping…")
	return s.Stop()
}

func banner(out io.Writer, s *stack.Stack, dir string) {
	pw := envOr("RECALL_ADMIN_PASSWORD", "recall-admin")
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
`, dir, s.APIURL, s.APIURL, s.RelayURL, s.ProjectorURL, s.DatabaseURL, s.Brokers[0], s.RegistryURL, s.APIURL, pw, s.APIURL)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
