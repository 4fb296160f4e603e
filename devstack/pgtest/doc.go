// Package pgtest gives integration tests a real PostgreSQL: one private cluster per test
// binary (started lazily from the installed binaries, logical replication on, fsync off)
// and one fresh database per test.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestAppend(t *testing.T) {
//		url := pgtest.Database(t) // postgres://postgres@127.0.0.1:PORT/t1_testappend
//		...
//	}
//
// When TEST_DATABASE_URL (or DATABASE_URL) is set, databases are created on that server
// instead, and tests that need the cluster itself (restarts, replication settings) skip.
package pgtest
