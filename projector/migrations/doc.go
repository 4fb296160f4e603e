// Package migrations holds the projector's own tables, migrated with tern
// through eventstore.MigrateFS and tracked in their own version table
// (recall_projector_schema_version), so the projector migrates independently of
// the event store and of command-api.
//
//	if err := migrations.Up(ctx, databaseURL); err != nil { ... }
//
// The tables here do not depend on a projection version: projections (which
// versions exist and which one is live), projector_dead_letters (what went to a
// dead-letter topic) and welcome_emails (the side effect's send log, which a
// rebuild must never clear). A read model's own tables (users_v1, ...) are
// created per version by its projection's code, because a rebuild creates them
// at run time.
package migrations
