// Package devstack starts Recall's real dependencies on one machine, for tests and for
// `make run`: a private PostgreSQL cluster from the installed binaries (StartPostgres),
// kfake as the Kafka broker (StartKafka) and franz-go's srfake as the schema registry
// served over HTTP (StartRegistry).
//
//	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: ".data/postgres", Port: 55432})
//	defer pg.Stop()
//	url := pg.DatabaseURL() // postgres://postgres@127.0.0.1:55432/recall?sslmode=disable
//
// The cluster runs wal_level=logical with replication slots, listens on loopback only and,
// when the caller is root, runs as the postgres user (initdb and postgres refuse root). It
// is the child of the calling process and dies with it, so an interrupted test binary
// leaves no server behind. Tests use the pgtest package rather than this one directly.
package devstack
