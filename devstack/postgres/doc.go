// Package postgres starts a private PostgreSQL cluster from the installed server binaries,
// for tests and for `make run`:
//
//	pg, err := postgres.Start(ctx, postgres.Options{Dir: ".data/postgres", Port: 55432})
//	defer pg.Stop()
//	url := pg.DatabaseURL() // postgres://postgres@127.0.0.1:55432/recall?sslmode=disable
//
// The cluster runs wal_level=logical with replication slots, listens on loopback only and,
// when the caller is root, runs as the postgres user (initdb and postgres refuse root). It
// is the child of the calling process and dies with it, so an interrupted test binary
// leaves no server behind. Tests use the pgtest package rather than this one directly.
//
// It is a package of its own, apart from devstack's broker and registry, so that a module
// whose tests need only PostgreSQL does not pull the Kafka libraries into its go.mod.
package postgres
