// Package upcast lifts the JSON data of an old schema version of an event to the current
// version, one version at a time. It is part of the contract: the aggregate (command-api),
// the projections and downstream Go consumers must read an old event the same way, so
// there is exactly one upcaster per step, here.
//
//	version, data, err := upcast.Data("UserCreated", 1, []byte(`{"username":"ada",…,"full_name":"Ada King"}`))
//	// version 2, data {"username":"ada",…,"first_name":"Ada","last_name":"King"}
//
// The package uses only the standard library, so a domain package may import it without
// importing Avro.
package upcast
