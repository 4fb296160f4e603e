// Package subjectkeys owns the keys of crypto-shredding: one data key per person
// (subject: the user stream's id) in the subject_keys table, wrapped by a key-encryption
// key (KEK) from the configuration, and the server's claim-hashing key beside them.
//
// The command side creates a person's key in the transaction of their UserCreated and
// destroys it in the transaction of their UserForgotten, keeping a tombstone row (no
// wrapped key, forgotten_at set) so that readers can tell "forgotten" from "not visible to
// me yet" (ErrNotVisible; see DataKey); from then on no copy of their
// sealed fields (schemas.SealedPrefix values in events, Kafka records, DLQs, backups) can
// be opened. Readers (command-api's history, the projector, downstream services through
// command-api's data-key route) get keys through a Keyring, which implements
// schemas.KeyProvider and schemas.CipherProvider and caches unwrapped keys with their
// AES-GCM for a bounded time (CacheTTL) in a least-recently-used cache of bounded size
// (CacheSize); Erased drops a key from it at once:
//
//	kek, err := subjectkeys.ParseKEK(os.Getenv("RECALL_KEK")) // base64 of 32 bytes
//	keys := subjectkeys.New(pool, kek, subjectkeys.Options{})
//	key, err := keys.Create(ctx, tx, userID) // inside the UserCreated transaction
//	...
//	err = keys.Delete(ctx, tx, userID) // inside the UserForgotten transaction
//	keys.Erased(userID)                // after it committed
//
// Rotate re-wraps every key with a new KEK; events are not touched.
package subjectkeys
