package deploytest

import (
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// root is the workspace root: deploytest sits one level below it.
const root = ".."

// binaries maps each Recall binary to the module directory it is built from.
var binaries = map[string]string{
	"command-api": "command-api",
	"relay":       "relay",
	"projector":   "projector",
	"replayer":    "replayer",
}

// kafkaClients are the binaries that bind ops/kafkaauth's flags.
var kafkaClients = map[string]bool{"relay": true, "projector": true, "replayer": true}

// tracedServices are the binaries that bind ops/tracing's flags.
var tracedServices = map[string]bool{"command-api": true, "relay": true, "projector": true}

// libpqEnv are libpq's environment variables that the chart or compose set and pgx
// reads itself when it parses a DATABASE_URL (TestPGXReadsLibpqEnv holds it to that).
var libpqEnv = []string{"PGSSLROOTCERT"}

// serviceModules are the modules whose source may register metrics or read env.
var serviceModules = []string{"command-api", "relay", "projector", "replayer", "eventstore", "schemas"}

var (
	envOnce  sync.Once
	envByBin map[string]map[string]bool
	envErr   error
)

// binaryEnv is the set of env names each binary's module reads (from its Go
// source; see envNames).
func binaryEnv(t *testing.T) map[string]map[string]bool {
	t.Helper()
	envOnce.Do(func() {
		envByBin = map[string]map[string]bool{}
		for bin, dir := range binaries {
			names, err := envNames(filepath.Join(root, dir))
			if err != nil {
				envErr = err
				return
			}
			if kafkaClients[bin] { // their Kafka and registry security comes from ops/kafkaauth
				auth, err := envNames(filepath.Join(root, "ops", "kafkaauth"))
				if err != nil {
					envErr = err
					return
				}
				for n := range auth {
					names[n] = true
				}
			}
			for _, n := range libpqEnv { // every binary connects with pgx
				names[n] = true
			}
			if tracedServices[bin] { // their tracing settings come from ops/tracing
				tr, err := envNames(filepath.Join(root, "ops", "tracing"))
				if err != nil {
					envErr = err
					return
				}
				for n := range tr {
					names[n] = true
				}
			}
			envByBin[bin] = names
		}
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return envByBin
}

// registeredMetrics is every metric name registered by the services' source.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	all := map[string]bool{}
	for _, dir := range serviceModules {
		names, err := metricNames(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for n := range names {
			all[n] = true
		}
	}
	return all
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
