package faults

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/recall-events/recall/bench/internal/rig"
)

// TestFaultsSmall is the profile `make test` runs.
func TestFaultsSmall(t *testing.T) { runProfile(t, Small) }

// TestFaultsLong is `make test-faults` (RECALL_FAULTS_LONG=1).
func TestFaultsLong(t *testing.T) {
	if os.Getenv("RECALL_FAULTS_LONG") == "" {
		t.Skip("set RECALL_FAULTS_LONG=1 (make test-faults)")
	}
	runProfile(t, Long)
}

func runProfile(t *testing.T, p Profile) {
	ctx, cancel := context.WithTimeout(context.Background(), p.Load+5*time.Minute)
	defer cancel()
	// Production defaults: no shortened session timeout. The projector's default static
	// instance id (projector-{hostname}) is what lets a restart take its partitions back.
	r, err := rig.Start(ctx, rig.Options{CheapPasswords: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	t.Cleanup(func() { // runs before Close

		if t.Failed() {
			r.Keep()
			t.Logf("logs and data kept in %s", r.Dir())
		}
	})
	c, err := Run(ctx, r, p, t.Logf)
	t.Logf("%s profile: %s", p.Name, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Failures() {
		t.Error(f)
	}
}
