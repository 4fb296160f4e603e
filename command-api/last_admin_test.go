package commandapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	commandapi "github.com/recall-events/recall/command-api"
)

// TestLastAdminStays: the last active admin can neither be demoted nor deleted (409
// last-admin), not even by itself; with a second admin it can; two admins demoting each
// other at once leave one.
func TestLastAdminStays(t *testing.T) {
	a := start(t, "")
	adminID := a.adminID()

	a.do("PUT", "/v1/users/"+adminID+"/role", a.admin, map[string]any{"role": "user"}, nil).problem(t, 409, "last-admin")
	a.do("PUT", "/v1/users/"+adminID+"/role", a.admin, map[string]any{"role": "auditor"}, nil).problem(t, 409, "last-admin")
	a.do("DELETE", "/v1/users/"+adminID, a.admin, map[string]any{"reason": "leaving"}, nil).problem(t, 409, "last-admin")
	// Promoting the admin to admin changes nothing and is fine.
	a.do("PUT", "/v1/users/"+adminID+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)

	// A deleted admin does not count: delete the second one, and the first is last again.
	second := a.createUser("grace")
	a.do("PUT", "/v1/users/"+second+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	a.do("DELETE", "/v1/users/"+second, a.admin, nil, nil).want(t, 200)
	a.do("DELETE", "/v1/users/"+adminID, a.admin, nil, nil).problem(t, 409, "last-admin")

	// Two admins demote each other at once, a few times: one wins, the other is refused
	// (409 last-admin, or 401 when the winner's demotion already ended its token), and
	// one admin is always left: the admins' rows are locked in one order while counting.
	a.do("POST", "/v1/users/"+second+"/restore", a.admin, nil, nil).want(t, 200) // an admin again
	for round := range 4 {
		adminTok, graceTok := a.login("admin", adminPassword), a.login("grace", userPassword)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, c := range []struct{ tok, target string }{{adminTok, second}, {graceTok, adminID}} {
			wg.Go(func() {
				r, err := a.try("PUT", "/v1/users/"+c.target+"/role", c.tok, map[string]any{"role": "user"}, nil)
				if err != nil {
					t.Error(err)
				}
				statuses[i] = r.Status
			})
		}
		wg.Wait()
		if (statuses[0] == 200) == (statuses[1] == 200) {
			t.Fatalf("round %d: concurrent demotions answered %v, want exactly one 200", round, statuses)
		}
		if n := a.activeAdmins(); n != 1 {
			t.Fatalf("round %d: %d active admins", round, n)
		}
		// The winner promotes the loser back for the next round.
		winner, loser := a.login("admin", adminPassword), second
		if statuses[1] == 200 {
			winner, loser = a.login("grace", userPassword), adminID
		}
		a.do("PUT", "/v1/users/"+loser+"/role", winner, map[string]any{"role": "admin"}, nil).want(t, 200)
	}
}

// TestRecoverAdmin: the operator's command makes a user an admin again (restoring it if
// deleted) with actor "operator" and the reason on the events, and logs it.
func TestRecoverAdmin(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	a.do("DELETE", "/v1/users/"+id, a.admin, nil, nil).want(t, 200)
	cfg := testConfig(a.dbURL)
	cfg.LogOutput = a.logs
	ctx := context.Background()
	if err := commandapi.RecoverAdmin(ctx, cfg, "grace", ""); err == nil {
		t.Fatal("a recovery without a reason ran")
	}
	if err := commandapi.RecoverAdmin(ctx, cfg, "nobody", "INC-7"); err == nil {
		t.Fatal("recovered a user that never existed")
	}
	if err := commandapi.RecoverAdmin(ctx, cfg, "Grace", "INC-7: the admins left"); err != nil {
		t.Fatal(err)
	}
	var h history
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	n := len(h.Events)
	restored, promoted := h.Events[n-2], h.Events[n-1]
	for _, e := range []struct {
		got  string
		want string
	}{{restored.EventType, "UserRestored"}, {promoted.EventType, "RoleChanged"},
		{promoted.Metadata.ActorID, "operator"}, {promoted.Metadata.ActorRole, "operator"},
		{promoted.Metadata.Reason, "INC-7: the admins left"}, {restored.Metadata.ActorID, "operator"}} {
		if e.got != e.want {
			t.Fatalf("got %q, want %q: %+v", e.got, e.want, h.Events[n-2:])
		}
	}
	tok := a.login("grace", userPassword)
	a.do("POST", "/v1/users", tok, map[string]any{"username": "eve", "email": "eve@example.com",
		"first_name": "E", "last_name": "V", "password": userPassword}, nil).want(t, 201)
	if !strings.Contains(a.logs.String(), "admin recovered by the operator") {
		t.Fatal("the recovery was not logged")
	}
	// Again: nothing to do, and it says so without failing.
	if err := commandapi.RecoverAdmin(ctx, cfg, "grace", "INC-7 again"); err != nil {
		t.Fatal(err)
	}
}

// adminID is the bootstrap admin's id, from the credentials table.
func (a *api) adminID() string {
	a.t.Helper()
	var id string
	// credentials keep the username's keyed hash, not the name: the bootstrap admin is
	// the first admin row.
	a.query(`SELECT user_id::text FROM credentials WHERE role = 'admin' AND active ORDER BY updated_at LIMIT 1`, &id)
	return id
}

func (a *api) activeAdmins() int {
	a.t.Helper()
	var n int
	a.query(`SELECT count(*) FROM credentials WHERE role = 'admin' AND active`, &n)
	return n
}

// query scans one row of sql on a's database into dst.
func (a *api) query(sql string, dst ...any) {
	a.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.dbURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql).Scan(dst...); err != nil {
		a.t.Fatal(err)
	}
}
