package deploytest

import (
	"context"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv is the least environment compose needs: the secrets it refuses to default.
var composeEnv = types.Mapping{
	"RECALL_JWT_SECRET":            "generated-in-deploytest-Zq8Xv2Lm9Pk4Rt7Nw1By6Hc3Gf0Ua5",
	"RECALL_ADMIN_PASSWORD":        "deploytest-admin-pw",
	"RECALL_RECORD_KEYS":           "k1=c2lnbmluZy1rZXktZm9yLWRlcGxveXRlc3Qtb25seS0wMTI",
	"RECALL_KEK":                   "a2V5LWVuY3J5cHRpb24ta2V5LWRlcGxveXRlc3QtMDE=",
	"GRAFANA_ADMIN_PASSWORD":       "deploytest-grafana-pw",
	"POSTGRES_PASSWORD":            "deploytest-superuser-pw",
	"RECALL_DB_MIGRATE_PASSWORD":   "deploytest-migrate-pw",
	"RECALL_DB_API_PASSWORD":       "deploytest-api-pw",
	"RECALL_DB_RELAY_PASSWORD":     "deploytest-relay-pw",
	"RECALL_DB_PROJECTOR_PASSWORD": "deploytest-projector-pw",
}

// loadCompose loads docker-compose.yml the way `docker compose` does
// (compose-go: interpolation, schema validation, normalization) with only
// composeEnv, so the file's own defaults are what is checked.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadComposeEnv(composeEnv)
	if err != nil {
		t.Fatalf("compose-go rejects docker-compose.yml: %v", err)
	}
	return p
}

// Issue 12, High 2: compose has no fallback JWT secret or admin password; it fails,
// naming what to set.
func TestComposeRequiresSecrets(t *testing.T) {
	for _, name := range sortedKeys(composeEnv) {
		env := types.Mapping{}
		for k, v := range composeEnv {
			if k != name {
				env[k] = v
			}
		}
		if _, err := loadComposeEnv(env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("compose without %s: %v, want an error naming it", name, err)
		}
	}
}

func loadComposeEnv(env types.Mapping) (*types.Project, error) {
	dir, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("recall", true) })
}

// pinnedImage: a registry path and an explicit version tag (not latest, not a
// bare major), or a digest.
var pinnedImage = regexp.MustCompile(`^[a-z0-9./_-]+(:v?[0-9]+\.[0-9]+[A-Za-z0-9._-]*)?(@sha256:[0-9a-f]{64})?$`)

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{"command-api", "grafana", "kafka", "migrate", "postgres", "projector", "prometheus", "relay", "schema-registry"}
	if got := sortedKeys(p.Services); !slices.Equal(got, want) {
		t.Fatalf("services = %v, want %v", got, want)
	}
	for name, s := range p.Services {
		if !pinnedImage.MatchString(s.Image) || !strings.ContainsAny(s.Image, ":@") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		if strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q uses latest", name, s.Image)
		}
	}
}

func TestComposeRecallServicesShareOneImage(t *testing.T) {
	p := loadCompose(t)
	var image string
	for _, name := range []string{"migrate", "command-api", "relay", "projector"} {
		s := p.Services[name]
		if s.Build == nil || s.Build.Context == "" {
			t.Errorf("%s: no build section (the image is built from the workspace Dockerfile)", name)
		}
		if image == "" {
			image = s.Image
		} else if s.Image != image {
			t.Errorf("%s: image %q, want the one Recall image %q", name, s.Image, image)
		}
		if !s.ReadOnly {
			t.Errorf("%s: root filesystem is writable; want read_only: true", name)
		}
		bin := strings.TrimPrefix(s.Command[0], "/usr/local/bin/")
		if _, ok := binaries[bin]; !ok || len(s.Command) == 0 {
			t.Errorf("%s: command %q does not start a Recall binary", name, s.Command)
		}
	}
}

func TestComposeHealthchecks(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"postgres", "kafka", "schema-registry", "prometheus", "grafana"} {
		hc := p.Services[name].HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 {
			t.Errorf("%s: no healthcheck", name)
			continue
		}
		if hc.Interval == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck without interval/retries", name)
		}
	}
	// A socket check passes against the entrypoint's temporary init server.
	pg := strings.Join(p.Services["postgres"].HealthCheck.Test, " ")
	if !strings.Contains(pg, "pg_isready") || !strings.Contains(pg, "-h 127.0.0.1") {
		t.Errorf("postgres healthcheck %q, want pg_isready -h 127.0.0.1", pg)
	}
}

func TestComposeDependsOn(t *testing.T) {
	p := loadCompose(t)
	want := map[string]map[string]string{
		"schema-registry": {"kafka": types.ServiceConditionHealthy},
		"migrate":         {"postgres": types.ServiceConditionHealthy},
		"command-api":     {"postgres": types.ServiceConditionHealthy, "migrate": types.ServiceConditionCompletedSuccessfully},
		"relay": {"postgres": types.ServiceConditionHealthy, "kafka": types.ServiceConditionHealthy,
			"schema-registry": types.ServiceConditionHealthy, "migrate": types.ServiceConditionCompletedSuccessfully},
		"projector": {"postgres": types.ServiceConditionHealthy, "kafka": types.ServiceConditionHealthy,
			"schema-registry": types.ServiceConditionHealthy, "migrate": types.ServiceConditionCompletedSuccessfully},
		"grafana": {"prometheus": types.ServiceConditionHealthy},
	}
	for svc, deps := range want {
		got := p.Services[svc].DependsOn
		for dep, cond := range deps {
			d, ok := got[dep]
			if !ok {
				t.Errorf("%s: no depends_on %s", svc, dep)
				continue
			}
			if d.Condition != cond {
				t.Errorf("%s depends_on %s: condition %q, want %q", svc, dep, d.Condition, cond)
			}
		}
	}
	if r := p.Services["migrate"].Restart; r != "no" && r != "" {
		t.Errorf("migrate: restart %q; a one-shot must not restart", r)
	}
}

func TestComposePostgresLogicalReplication(t *testing.T) {
	s := loadCompose(t).Services["postgres"]
	if !strings.HasPrefix(s.Image, "postgres:16.") {
		t.Errorf("postgres image %q, want PostgreSQL 16", s.Image)
	}
	settings := map[string]string{}
	for i, a := range s.Command {
		if a == "-c" && i+1 < len(s.Command) {
			k, v, _ := strings.Cut(s.Command[i+1], "=")
			settings[k] = v
		}
	}
	if settings["wal_level"] != "logical" {
		t.Errorf("wal_level = %q, want logical (command %q)", settings["wal_level"], s.Command)
	}
	for _, k := range []string{"max_replication_slots", "max_wal_senders", "max_slot_wal_keep_size"} {
		if settings[k] == "" {
			t.Errorf("postgres command does not set %s", k)
		}
	}
}

func TestComposeKafkaKRaft(t *testing.T) {
	s := loadCompose(t).Services["kafka"]
	if !strings.HasPrefix(s.Image, "apache/kafka:") {
		t.Errorf("kafka image %q, want apache/kafka", s.Image)
	}
	env := func(k string) string {
		if v := s.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	for k, want := range map[string]string{
		"KAFKA_PROCESS_ROLES":                            "broker,controller",
		"KAFKA_LOG_RETENTION_MS":                         "-1",
		"KAFKA_AUTO_CREATE_TOPICS_ENABLE":                "false",
		"KAFKA_CONTROLLER_LISTENER_NAMES":                "CONTROLLER",
		"KAFKA_NODE_ID":                                  "1",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":         "1",
		"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":            "1",
	} {
		if got := env(k); got != want {
			t.Errorf("kafka %s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"CLUSTER_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_INTER_BROKER_LISTENER_NAME"} {
		if env(k) == "" {
			t.Errorf("kafka: %s is not set (required in KRaft mode)", k)
		}
	}
	// Every advertised listener is declared, and the controller is not advertised.
	listeners := env("KAFKA_LISTENERS")
	for _, l := range strings.Split(env("KAFKA_ADVERTISED_LISTENERS"), ",") {
		name, _, _ := strings.Cut(l, "://")
		if !strings.Contains(listeners, name+"://") || name == "CONTROLLER" {
			t.Errorf("advertised listener %s is not a declared broker listener (%s)", name, listeners)
		}
	}
}

func TestComposePorts(t *testing.T) {
	p := loadCompose(t)
	want := map[string]uint32{ // the embedded run's defaults (README)
		"command-api": 8080, "relay": 9101, "projector": 9102,
		"kafka": 9092, "schema-registry": 8081, "postgres": 5432,
		"prometheus": 9090, "grafana": 3000,
	}
	for svc, target := range want {
		ports := p.Services[svc].Ports
		if len(ports) == 0 || ports[0].Target != target {
			t.Errorf("%s: ports %+v, want container port %d", svc, ports, target)
			continue
		}
		if ports[0].HostIP != "127.0.0.1" {
			t.Errorf("%s: published on %q; bind dev ports to 127.0.0.1", svc, ports[0].HostIP)
		}
	}
}

// TestComposeEnvIsReadByTheBinaries: every RECALL_*/DATABASE_URL a Recall
// service is given must be a name its binary reads, so a renamed variable
// cannot silently fall back to a default.
func TestComposeEnvIsReadByTheBinaries(t *testing.T) {
	p := loadCompose(t)
	env := binaryEnv(t)
	for _, name := range []string{"migrate", "command-api", "relay", "projector"} {
		s := p.Services[name]
		bin := strings.TrimPrefix(s.Command[0], "/usr/local/bin/")
		for k := range s.Environment {
			if !env[bin][k] {
				t.Errorf("%s: env %s is not read by %s (it reads %v)", name, k, bin, sortedKeys(env[bin]))
			}
		}
	}
}

func TestComposeMountsExist(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := filepath.Rel(p.WorkingDir, v.Source); err != nil {
				t.Errorf("%s: bind %s outside the workspace", name, v.Source)
			}
			if !exists(v.Source) {
				t.Errorf("%s: bind mount source %s does not exist", name, v.Source)
			}
		}
	}
}

// Issue 12, Low (defaults): no Recall service logs in as PostgreSQL's superuser; each has
// a role of its own (deploy/postgres/initdb creates them; stack's
// TestComposeDatabaseRoles proves they suffice and refuse the rest), with a password from
// the environment. sslmode=disable only toward the compose network's own postgres.
func TestComposeDatabaseLogins(t *testing.T) {
	p := loadCompose(t)
	pg := p.Services["postgres"]
	super := "postgres"
	if u := pg.Environment["POSTGRES_USER"]; u != nil {
		super = *u
	}
	seen := map[string]string{}
	for _, name := range []string{"migrate", "command-api", "relay", "projector"} {
		v := p.Services[name].Environment["DATABASE_URL"]
		if v == nil {
			t.Errorf("%s: no DATABASE_URL", name)
			continue
		}
		u, err := url.Parse(*v)
		if err != nil {
			t.Errorf("%s: DATABASE_URL: %v", name, err)
			continue
		}
		user := u.User.Username()
		if user == super || user == "postgres" || user == "" {
			t.Errorf("%s logs in as %q, PostgreSQL's superuser; want its own role", name, user)
		}
		if other, ok := seen[user]; ok {
			t.Errorf("%s and %s share the role %q; want one role per service", name, other, user)
		}
		seen[user] = name
		if pw, _ := u.User.Password(); pw == "" || pw != composeEnv[passwordVar[user]] {
			t.Errorf("%s: password of %s is %q, want $%s", name, user, pw, passwordVar[user])
		}
		if !strings.Contains(string(readFile(t, filepath.Join(root, "deploy", "postgres", "initdb", "10-recall-roles.sh"))), "ALTER ROLE "+user+" ") {
			t.Errorf("%s: role %s is not made by the init script", name, user)
		}
		if mode := u.Query().Get("sslmode"); mode != "verify-full" && (mode != "disable" || u.Hostname() != "postgres") {
			t.Errorf("%s: sslmode=%q toward %s; disable only for the compose network's postgres, else verify-full", name, mode, u.Hostname())
		}
	}
	var mounted bool
	for _, v := range pg.Volumes {
		mounted = mounted || (v.Target == "/docker-entrypoint-initdb.d" && strings.HasSuffix(v.Source, filepath.Join("deploy", "postgres", "initdb")) && v.ReadOnly)
	}
	if !mounted {
		t.Errorf("postgres: deploy/postgres/initdb is not mounted read-only on /docker-entrypoint-initdb.d: %+v", pg.Volumes)
	}
	for _, v := range passwordVar {
		if pg.Environment[v] == nil {
			t.Errorf("postgres: the init script's %s is not passed", v)
		}
	}
}

// passwordVar names the environment variable holding each role's password.
var passwordVar = map[string]string{
	"recall_migrate": "RECALL_DB_MIGRATE_PASSWORD", "recall_command_api": "RECALL_DB_API_PASSWORD",
	"recall_relay": "RECALL_DB_RELAY_PASSWORD", "recall_projector": "RECALL_DB_PROJECTOR_PASSWORD",
}

// secretName: a variable that holds a password, key or token.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|KEK|_KEYS?)$|(PASSWORD|SECRET)_`)

// interpolation is ${NAME…} with its modifier and default.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}`)

// Issue 12, Low (defaults) and High 2: no secret has a default in docker-compose.yml: each
// is required (${VAR:?…}) or, for optional credentials, empty. A default here would be
// published with the repository.
func TestComposeNoDefaultSecrets(t *testing.T) {
	raw := string(readFile(t, filepath.Join(root, "docker-compose.yml")))
	for _, m := range interpolation.FindAllStringSubmatch(raw, -1) {
		name, mod, def := m[1], m[2], m[3]
		if !secretName.MatchString(name) {
			continue
		}
		if (mod == ":-" || mod == "-") && def != "" {
			t.Errorf("${%s%s%s}: a secret with a default value; require it (${%s:?…})", name, mod, def, name)
		}
	}
	// And literally: no environment value of a secret's name is set in the file itself.
	p := loadCompose(t)
	for svc, s := range p.Services {
		for k, v := range s.Environment {
			if v == nil || !secretName.MatchString(k) || *v == "" {
				continue
			}
			if !slices.Contains(slices.Collect(maps.Values(composeEnv)), *v) {
				t.Errorf("%s: %s = %q does not come from the environment", svc, k, *v)
			}
		}
	}
}
