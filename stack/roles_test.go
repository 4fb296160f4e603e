package stack_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/stack"
)

// rolesScript is docker-compose's PostgreSQL init script (mounted into the postgres
// container's /docker-entrypoint-initdb.d).
var rolesScript = filepath.Join("..", "deploy", "postgres", "initdb", "10-recall-roles.sh")

// composeLogins runs rolesScript as the postgres image would (psql as the superuser,
// POSTGRES_USER/POSTGRES_DB and the passwords in the environment) against the stack's
// cluster, and returns each part's URL with its own role, as docker-compose.yml builds
// them. The test cluster trusts loopback logins, so the passwords are not what is
// tested here; the privileges are.
func composeLogins() func(ctx context.Context, superuser string) (map[string]string, error) {
	return func(ctx context.Context, superuser string) (map[string]string, error) {
		u, err := url.Parse(superuser)
		if err != nil {
			return nil, err
		}
		db := strings.TrimPrefix(u.Path, "/")
		for _, pw := range []string{"1", "2"} { // twice: rerunning it (a password rotation, an old volume) must work
			cmd := exec.CommandContext(ctx, "sh", rolesScript)
			cmd.Env = append(os.Environ(), "PGHOST="+u.Hostname(), "PGPORT="+u.Port(),
				"POSTGRES_USER="+u.User.Username(), "POSTGRES_DB="+db,
				"RECALL_DB_MIGRATE_PASSWORD=m-"+pw, "RECALL_DB_API_PASSWORD=a-"+pw,
				"RECALL_DB_RELAY_PASSWORD=r-"+pw, "RECALL_DB_PROJECTOR_PASSWORD=p-"+pw)
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("%s: %v\n%s", rolesScript, err, out)
			}
		}
		as := func(role string) string {
			v := *u
			v.User = url.UserPassword(role, "unused")
			return v.String()
		}
		return map[string]string{
			"migrate": as("recall_migrate"), "command-api": as("recall_command_api"),
			"relay": as("recall_relay"), "projector": as("recall_projector"),
		}, nil
	}
}

// Issue 12, Low (defaults): docker-compose's services log in with the least-privileged
// roles of its init script, and with them alone the whole pipeline works (a write over
// HTTP, the relay's slot and snapshot, the projector's read model, read-your-writes).
// What each role must not do is refused by the server.
func TestComposeDatabaseRoles(t *testing.T) {
	ctx := context.Background()
	var logins map[string]string
	loginsFn := composeLogins()
	s, err := stack.Start(ctx, stack.Options{Ephemeral: true, Logs: io.Discard,
		Logins: func(ctx context.Context, su string) (map[string]string, error) {
			m, err := loginsFn(ctx, su)
			logins = m
			return m, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	token := login(t, s.APIURL)
	created := call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"grace","email":"grace@example.com",
		"first_name":"Grace","last_name":"Hopper","password":"correct horse battery"}`, 201)
	var write struct {
		ID       string `json:"id"`
		Revision int64  `json:"revision"`
	}
	mustJSON(t, created, &write)
	call(t, "GET", fmt.Sprintf("%s/v1/users/%s?min_revision=%d&wait=10s", s.APIURL, write.ID, write.Revision), token, "", 200)

	// Superuser-free, and each role refused what is not its job.
	for part, sqls := range map[string][]string{
		"command-api": {"SET ROLE recall_api; UPDATE events SET data = data", "SET ROLE recall_api; DELETE FROM events",
			"SET ROLE recall_api; DROP TABLE events", "CREATE TABLE x (i int)"},
		"relay": {"INSERT INTO events DEFAULT VALUES", "SELECT 1 FROM credentials", "SELECT 1 FROM subject_keys",
			"SELECT 1 FROM users_v1"},
		"projector": {"SELECT 1 FROM events", "SELECT 1 FROM credentials", "DELETE FROM subject_keys", "DROP TABLE events"},
		"migrate":   {"ALTER ROLE recall_migrate SUPERUSER", "CREATE ROLE intruder SUPERUSER"},
	} {
		conn, err := pgx.Connect(ctx, logins[part])
		if err != nil {
			t.Fatalf("%s: %v", part, err)
		}
		var super bool
		if err := conn.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil || super {
			t.Errorf("%s logs in as a superuser (%v)", part, err)
		}
		for _, sql := range sqls {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var failed error
			for _, stmt := range strings.Split(sql, "; ") {
				if _, failed = tx.Exec(ctx, stmt); failed != nil {
					break
				}
			}
			_ = tx.Rollback(ctx)
			if failed == nil || !strings.Contains(failed.Error(), "42501") && !strings.Contains(failed.Error(), "must be owner") {
				t.Errorf("%s may %q (%v); want permission denied", part, sql, failed)
			}
		}
		conn.Close(ctx)
	}
}
