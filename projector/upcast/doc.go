// Package upcast lifts the data of old event schema versions to the version the
// projector's projections are written against.
//
// The domain keeps its own upcasters in command-api/internal/user, which no
// other module may import; the projector reads the same topic and needs the
// same steps, so the rule is restated here and tested with historical records.
// A step only ever lifts one version to the next, so a new schema version adds
// one function and old records keep projecting.
//
//	version, data, err := upcast.Data("UserCreated", 1, []byte(`{"full_name":"Ada King",...}`))
//	// version == 2, data has first_name "Ada" and last_name "King"
package upcast
