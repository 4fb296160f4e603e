package commandapi_test

import (
	"strings"
	"testing"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
)

func TestConfigFromArgs(t *testing.T) {
	env := map[string]string{"RECALL_LISTEN_ADDR": "0.0.0.0:9000", "RECALL_SNAPSHOT_EVERY": "50", "RECALL_EMBEDDED": "true"}
	cfg, err := commandapi.ConfigFromArgs([]string{"-max-conflict-retries", "3"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != "0.0.0.0:9000" || cfg.SnapshotEvery != 50 || cfg.MaxConflictRetries != 3 ||
		cfg.AdminPassword != commandapi.EmbeddedAdminPassword || cfg.Validate() != nil {
		t.Fatalf("config %+v: %v", cfg, cfg.Validate())
	}
	if _, err := commandapi.ConfigFromArgs(nil, func(k string) string { return map[string]string{"RECALL_TOKEN_TTL": "soon"}[k] }); err == nil {
		t.Fatal("bad duration accepted")
	}
}

func TestConfigValidateListsEveryProblem(t *testing.T) {
	cfg := commandapi.DefaultConfig()
	cfg.ListenAddr, cfg.DatabaseURL, cfg.JWTSecret, cfg.MaxBodyBytes, cfg.AdminPassword = "nowhere", "", "short", 1, commandapi.EmbeddedAdminPassword
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"listen address", "DATABASE_URL", "RECALL_JWT_SECRET must be", "RECALL_MAX_BODY_BYTES", "RECALL_ADMIN_PASSWORD is the embedded default"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	cfg = commandapi.DefaultConfig()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "RECALL_JWT_SECRET") {
		t.Fatalf("empty secret outside embedded: %v", err)
	}
	cfg.Embedded = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("embedded defaults: %v", err)
	}
}

func TestConfigReadDatabase(t *testing.T) {
	env := map[string]string{"RECALL_EMBEDDED": "true", "RECALL_READ_DATABASE_URL": "postgres://reader@replica/recall"}
	cfg, err := commandapi.ConfigFromArgs(nil, func(k string) string { return env[k] })
	if err != nil || cfg.ReadDatabaseURL != env["RECALL_READ_DATABASE_URL"] || cfg.Validate() != nil {
		t.Fatalf("config %+v: %v, %v", cfg, err, cfg.Validate())
	}
	if cfg, _ = commandapi.ConfigFromArgs(nil, func(string) string { return "" }); cfg.ReadDatabaseURL != "" {
		t.Fatalf("read database defaults to %q, want empty (DATABASE_URL's pool)", cfg.ReadDatabaseURL)
	}
	// A read-your-writes wait (≤ 10 s) must fit in the server's write timeout.
	cfg.Embedded, cfg.WriteTimeout = true, 10*time.Second
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "RECALL_WRITE_TIMEOUT") {
		t.Fatalf("write timeout below the longest wait: %v", err)
	}
}

func TestConfigDBRole(t *testing.T) {
	read := func(env map[string]string, args ...string) commandapi.Config {
		t.Helper()
		env["RECALL_EMBEDDED"] = "true"
		cfg, err := commandapi.ConfigFromArgs(args, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if cfg := read(map[string]string{}); cfg.DBRole != "recall_api" || cfg.Validate() != nil {
		t.Fatalf("default role %q: %v", cfg.DBRole, cfg.Validate())
	}
	if cfg := read(map[string]string{"RECALL_DB_ROLE": "none"}); cfg.DBRole != "" || cfg.Validate() != nil {
		t.Fatalf("none: role %q: %v", cfg.DBRole, cfg.Validate())
	}
	if cfg := read(map[string]string{}, "-db-role="); cfg.DBRole != "" {
		t.Fatalf("empty flag: role %q", cfg.DBRole)
	}
	if cfg := read(map[string]string{"RECALL_DB_ROLE": "app_rw"}); cfg.DBRole != "app_rw" || cfg.Validate() != nil {
		t.Fatalf("custom role %q: %v", cfg.DBRole, cfg.Validate())
	}
	for _, bad := range []string{`x"; DROP TABLE events; --`, "1role", "a b", strings.Repeat("a", 64)} {
		cfg := read(map[string]string{"RECALL_DB_ROLE": bad})
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "RECALL_DB_ROLE") {
			t.Errorf("role %q accepted: %v", bad, err)
		}
	}
}
