// Package metrics holds command-api's Prometheus collectors, registered on a registry the
// caller injects (so tests assert on their own registry and an all-in-one binary can run
// several services without duplicate registrations).
//
//	m := metrics.New(reg)
//	m.HTTP.WithLabelValues("PATCH", "/v1/users/:id", "200").Observe(0.004)
//
// Route labels are gin's route templates, never raw paths: ids would explode cardinality.
package metrics
