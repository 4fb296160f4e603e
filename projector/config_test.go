package projector_test

import (
	"strings"
	"testing"

	"github.com/recall-events/recall/projector"
	"github.com/recall-events/recall/projector/internal/stacktest"
)

func TestValidateJoinsEveryProblem(t *testing.T) {
	c := projector.DefaultConfig()
	c.DatabaseURL, c.Brokers, c.RegistryURL, c.ListenAddr, c.MaxAttempts = "", []string{"no-port"}, "ftp://x", "nowhere", 0
	err := c.Validate()
	for _, want := range []string{"database URL", "no-port", "ftp://x", "nowhere", "max attempts", "RECALL_KEK"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
	// The defaults need only the KEK, which has none: it is a secret.
	c = projector.DefaultConfig()
	c.KEK = stacktest.KEK
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}
