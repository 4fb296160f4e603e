package projector_test

import (
	"os"
	"testing"

	"github.com/recall-events/recall/devstack/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
