package commandapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/command-api/internal/credentials"
)

func login(a *api, username, password string, h hdr) resp {
	a.t.Helper()
	return a.do("POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password}, h)
}

// retryAfter checks a 429's Retry-After: whole seconds, at least 1.
func retryAfter(t *testing.T, r resp) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	return n
}

// TestLoginLockout: repeated failures lock a username, known or not (the answer must
// not tell which), even for the right password; the password route counts towards the
// same lockout; an admin clears it; metrics count all of it.
func TestLoginLockout(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) {
		c.Login.LockoutThreshold, c.Login.LockoutBase, c.Login.LockoutMax = 3, 30*time.Second, time.Minute
		c.Login.UsernamePerMinute, c.Login.UsernameBurst = 600, 100
	})
	id := a.createUser("grace")
	for _, name := range []string{"grace", "nobody"} {
		for range 3 {
			login(a, name, "wrong-password-1", nil).problem(t, 401, "invalid-credentials")
		}
		r := login(a, name, userPassword, nil)
		r.problem(t, 429, "locked-out")
		if n := retryAfter(t, r); n > 30 {
			t.Fatalf("Retry-After %d after the first lockout", n)
		}
	}
	// An admin clears it, then the right password works again.
	a.do("DELETE", "/v1/users/"+id+"/lockout", a.admin, nil, nil).want(t, 204)
	tok := a.login("grace", userPassword)

	// PUT …/password with a wrong current_password counts the same way.
	path := "/v1/users/" + id + "/password"
	for range 3 {
		a.do("PUT", path, tok, map[string]any{"current_password": "wrong-password-1", "new_password": "new-secret-pw-2"}, nil).
			problem(t, 422, "validation")
	}
	r := a.do("PUT", path, tok, map[string]any{"current_password": userPassword, "new_password": "new-secret-pw-2"}, nil)
	r.problem(t, 429, "locked-out")
	retryAfter(t, r)
	login(a, "grace", userPassword, nil).problem(t, 429, "locked-out")
	a.do("DELETE", "/v1/users/"+id+"/lockout", a.admin, nil, nil).want(t, 204)
	a.do("PUT", path, tok, map[string]any{"current_password": userPassword, "new_password": "new-secret-pw-2"}, nil).want(t, 200)

	body := string(a.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	for _, want := range []string{
		`recall_auth_password_checks_total{outcome="locked_out",route="login"} 3`,
		`recall_auth_password_checks_total{outcome="locked_out",route="password"} 1`,
		`recall_auth_password_checks_total{outcome="failed",route="password"} 3`,
		`recall_auth_lockouts_cleared_total 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := sampleValue(t, a, "recall_auth_lockouts_total"); n < 3 {
		t.Errorf("lockouts_total %v", n)
	}
}

// TestLoginRateLimits: per client address and per username, 429 with Retry-After
// before any password is checked; X-Forwarded-For from an untrusted peer changes nothing.
func TestLoginRateLimits(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) {
		c.Login.ClientPerMinute, c.Login.ClientBurst = 6, 5 // the admin's login takes one
		c.Login.UsernamePerMinute, c.Login.UsernameBurst = 60, 100
	})
	for i := range 4 {
		login(a, fmt.Sprintf("user%d", i), "wrong-password-1", hdr{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)}).
			problem(t, 401, "invalid-credentials")
	}
	r := login(a, "admin", adminPassword, hdr{"X-Forwarded-For": "198.51.100.7"})
	r.problem(t, 429, "rate-limited")
	if n := retryAfter(t, r); n > 10 {
		t.Fatalf("Retry-After %d, want ≤ 10 at 6 a minute", n)
	}

	b := start(t, "", func(c *commandapi.Config) {
		c.Login.ClientPerMinute, c.Login.ClientBurst = 600, 100
		c.Login.UsernamePerMinute, c.Login.UsernameBurst = 1, 3
	})
	for range 3 {
		login(b, "Grace", "wrong-password-1", nil).problem(t, 401, "invalid-credentials")
	}
	login(b, " grace ", "wrong-password-1", nil).problem(t, 429, "rate-limited")
	login(b, "alan", "wrong-password-1", nil).problem(t, 401, "invalid-credentials")
	body := string(b.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	if want := `recall_auth_password_checks_total{outcome="throttled_username",route="login"} 1`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %s", want)
	}
}

// TestHashingQueueIsBounded: when every hashing slot is busy and the queue is full, a
// login is 429 busy at once instead of waiting: hashing cannot starve the API.
func TestHashingQueueIsBounded(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) {
		c.Argon2 = credentials.Params{MemoryKiB: 64 * 1024, Time: 4, Threads: 1}
		c.Login = commandapi.LoginLimits{LockoutThreshold: -1, HashQueue: 1}
	})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for i := range 24 {
		wg.Go(func() {
			r, err := a.try("POST", "/v1/auth/login", "", map[string]string{"username": fmt.Sprintf("u%d", i), "password": "wrong-password-1"}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
			if r.Status == 429 {
				r.problem(t, 429, "busy")
				retryAfter(t, r)
			}
		})
	}
	wg.Wait()
	if counts[429] == 0 || counts[401]+counts[429] != 24 {
		t.Fatalf("statuses %v, want 401s and some 429 busy, nothing else", counts)
	}
	if n := sampleValue(t, a, `recall_auth_password_checks_total{outcome="busy",route="login"}`); n != float64(counts[429]) {
		t.Errorf("busy counted %v, answered %d", n, counts[429])
	}
	sampleValue(t, a, "recall_auth_hash_queue")
}

// sampleValue is the value of the sample line starting with series in a's /metrics.
func sampleValue(t *testing.T, a *api, series string) float64 {
	t.Helper()
	body := string(a.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no series %s", series)
	return 0
}
