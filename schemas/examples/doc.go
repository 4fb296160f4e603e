// Package examples holds complete programs a downstream team can start from, in a module
// of their own so that the schemas module stays a leaf (no Kafka client in its graph).
// The README shows them verbatim; readme_test.go keeps the two equal.
package examples
