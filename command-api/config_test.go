package commandapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/ops/envflag"
)

func parse(t *testing.T, args []string, env map[string]string) (commandapi.Config, error) {
	t.Helper()
	c := commandapi.DefaultConfig()
	fs := pflag.NewFlagSet("command-api", pflag.ContinueOnError)
	c.Flags(fs)
	return c, envflag.Parse(fs, args, func(k string) string { return env[k] })
}

func TestFlagsOverEnvironment(t *testing.T) {
	env := map[string]string{"RECALL_LISTEN_ADDR": "127.0.0.1:9000", "RECALL_SNAPSHOT_EVERY": "50", "RECALL_EMBEDDED": "true",
		"RECALL_MAX_CONFLICT_RETRIES": "9", "RECALL_KEK": testKEK}
	cfg, err := parse(t, []string{"--max-conflict-retries", "3"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != "127.0.0.1:9000" || cfg.SnapshotEvery != 50 || cfg.MaxConflictRetries != 3 || !cfg.Embedded || cfg.Validate() != nil {
		t.Fatalf("config %+v: %v", cfg, cfg.Validate())
	}
	_, err = parse(t, nil, map[string]string{"RECALL_TOKEN_TTL": "soon", "RECALL_DB_MAX_CONNS": "many", "RECALL_ARGON2_THREADS": "300"})
	for _, want := range []string{"RECALL_TOKEN_TTL", "RECALL_DB_MAX_CONNS", "RECALL_ARGON2_THREADS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
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
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "RECALL_KEK") {
		t.Fatalf("no KEK: %v", err)
	}
	cfg.KEK = testKEK
	if err := cfg.Validate(); err != nil {
		t.Fatalf("embedded defaults: %v", err)
	}
}

// Issue 12, High 2: no mode accepts a secret published in the repository or one a person
// typed; the embedded run serves loopback only.
func TestConfigRefusesKnownAndWeakJWTSecrets(t *testing.T) {
	for _, secret := range []string{
		"compose-only-jwt-secret-change-me-0123456789",   // docker-compose's old fallback
		"recall-embedded-dev-secret-not-for-production!", // the old embedded constant
		"test-secret-test-secret-test-secret-0123",       // test fixtures
		strings.Repeat("ab", 24),                         // low entropy
		"0123456789012345678901234567890123456789",       // low entropy
		"my-password-for-the-recall-api-in-prod-2026",    // a placeholder word
	} {
		for _, embedded := range []bool{false, true} {
			cfg := commandapi.DefaultConfig()
			cfg.JWTSecret, cfg.Embedded = secret, embedded
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "RECALL_JWT_SECRET") {
				t.Errorf("secret %q (embedded %v) accepted: %v", secret, embedded, err)
			}
		}
	}
	generated, err := commandapi.NewJWTSecret()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{generated, "5f2b8e0c9a1d4f7b3e6a8c0d2f4b6a8e", "q3Jt9Vx2LmP8sKd4Rz7NwB1yHc6GfT0uAeXo5Ii"} {
		cfg := commandapi.DefaultConfig()
		cfg.JWTSecret, cfg.KEK = secret, testKEK
		if err := cfg.Validate(); err != nil {
			t.Errorf("generated secret %q refused: %v", secret, err)
		}
	}
	cfg := commandapi.DefaultConfig()
	cfg.Embedded, cfg.KEK = true, testKEK
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:8080": true,
		":8080": false, "0.0.0.0:8080": false, "10.1.2.3:8080": false} {
		cfg.ListenAddr = addr
		if err := cfg.Validate(); (err == nil) != ok {
			t.Errorf("embedded on %s: %v", addr, err)
		}
	}
}

func TestConfigReadDatabase(t *testing.T) {
	env := map[string]string{"RECALL_EMBEDDED": "true", "RECALL_READ_DATABASE_URL": "postgres://reader@replica/recall", "RECALL_KEK": testKEK}
	cfg, err := parse(t, nil, env)
	if err != nil || cfg.ReadDatabaseURL != env["RECALL_READ_DATABASE_URL"] || cfg.Validate() != nil {
		t.Fatalf("config %+v: %v, %v", cfg, err, cfg.Validate())
	}
	if cfg, _ = parse(t, nil, nil); cfg.ReadDatabaseURL != "" {
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
		env["RECALL_EMBEDDED"], env["RECALL_KEK"] = "true", testKEK
		cfg, err := parse(t, args, env)
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
	if cfg := read(map[string]string{}, "--db-role="); cfg.DBRole != "" {
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

// Issue 12, Low: the limits and lists of Config have flags and variables too.
func TestSecurityLimitsFromEnvironment(t *testing.T) {
	cfg, err := parse(t, []string{"--max-read-waits", "100"}, map[string]string{
		"RECALL_LOGIN_USERNAME_PER_MINUTE": "3", "RECALL_LOCKOUT_MAX": "1h", "RECALL_HASH_QUEUE": "4",
		"RECALL_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1", "RECALL_CORS_ORIGINS": "https://console.example.com",
		"RECALL_MAX_READ_WAITS_PER_CALLER": "16",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Login.UsernamePerMinute != 3 || cfg.Login.LockoutMax != time.Hour || cfg.Login.HashQueue != 4 ||
		len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "192.0.2.1" || len(cfg.CORSOrigins) != 1 ||
		cfg.MaxReadWaits != 100 || cfg.MaxReadWaitsPerCaller != 16 || cfg.Login.ClientBurst != commandapi.DefaultLoginLimits.ClientBurst {
		t.Fatalf("config %+v", cfg)
	}
}
