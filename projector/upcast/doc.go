// Package upcast lifts the data of old event schema versions to the version the
// projector's projections are written against, mapping the contract's upcasters
// (schemas/upcast, shared with the aggregate in command-api) onto the projector's
// error kinds: unsupported (deploy a newer projector) or malformed (dead-letter it).
//
//	version, data, err := upcast.Data("UserCreated", 1, []byte(`{"full_name":"Ada King",...}`))
//	// version == 2, data has first_name "Ada" and last_name "King"
package upcast
