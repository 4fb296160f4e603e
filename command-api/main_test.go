package commandapi_test

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/recall-events/recall/command-api/internal/httpapi"
	"github.com/recall-events/recall/devstack/pgtest"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if code == 0 {
		code = checkSpecCoverage()
	}
	os.Exit(code)
}

// validated records each documented operation ("METHOD /path") whose success response a
// test validated against openapi.json.
var validated sync.Map

// checkSpecCoverage fails a full test run in which some documented operation never had a
// success response validated: the document cannot describe a route no test exercises.
func checkSpecCoverage() int {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" {
		return 0
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		return 0
	}
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if _, ok := validated.Load(method + " " + path); !ok {
				missing = append(missing, method+" "+path)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		fmt.Println("FAIL: operations of openapi.json with no validated success response:\n  " + strings.Join(missing, "\n  "))
		return 1
	}
	return 0
}
