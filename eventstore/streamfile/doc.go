// Package streamfile is the stable JSON format of one exported stream: the events exactly
// as the event store holds them, with their metadata, for turning a production case into
// a test (`replayer stream export ID > case.json`, then the domain's test helper loads
// it). It imports no database code, so tests and tools read it without a driver.
//
// A file is one JSON object:
//
//	{
//	  "format": "recall.stream.v1",
//	  "aggregate_type": "user",
//	  "aggregate_id": "0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00",
//	  "exported_at": "2026-12-01T10:00:00Z",
//	  "until": "2026-11-30T15:47:00Z",          // only with --until
//	  "events": [
//	    {
//	      "event_id": "0192f0a8-…",
//	      "revision": 1,
//	      "event_type": "UserCreated",
//	      "schema_version": 2,
//	      "recorded_at": "2026-11-25T09:00:00.123456Z",
//	      "global_position": 42,
//	      "data": {"username": "sarah", …},      // the stored bytes, verbatim
//	      "metadata": {"actor_id": "…", "actor_role": "admin", "reason": "…", …}
//	    }
//	  ]
//	}
//
// Stability: "format" names the version of this layout. Fields may be added to version 1
// (readers ignore unknown keys); renaming or removing one, or changing its meaning, makes
// a version 2 that Read refuses under the old name. data and metadata are the stored JSON
// values, unchanged but for whitespace (the file is indented); upcasting old schema
// versions is the reader's business, exactly as when the store is read. Personal fields
// are exported as stored (encrypted where the store encrypts them): an export is as
// sensitive as the database row it copies.
//
// Writing and reading:
//
//	err := streamfile.Write(w, file)
//	file, err := streamfile.ReadFile("testdata/case.json")
package streamfile
