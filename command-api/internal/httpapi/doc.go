// Package httpapi is command-api's HTTP adapter (gin): routes, authentication, RFC 9457
// problem responses, ETag/If-Match, Idempotency-Key, request limits, logs, metrics and the
// OpenAPI document.
//
//	h := httpapi.New(httpapi.Deps{Service: svc, Handlers: hs, Tokens: tokens, ...})
//	srv := &http.Server{Handler: h, ...}
//
// Conventions every route follows:
//   - Errors are application/problem+json with a stable type per kind (see problem.go);
//     validation problems list every field at once in "errors" (field → message).
//   - Bodies are JSON objects of at most MaxBodyBytes (413 beyond). Malformed JSON (bad
//     syntax, empty body) is 400 malformed-json; well-formed JSON of the wrong shape
//     (unknown field, wrong type, not an object) is 422 validation.
//   - Writes answer {id, revision} with ETag "<revision>" (the consistency token) and
//     honour If-Match "<revision>": a stale one is 412. If-Match is optional unless
//     RequireIfMatch is set, in which case PATCH, PUT, DELETE and restore without it are
//     428. Without If-Match, concurrent writes are serialised and retried by the app.
//   - Idempotency-Key on POST/PATCH/PUT/DELETE: the successful response (status, ETag,
//     Location, Content-Type, body) is stored in the transaction of its events and
//     replayed byte for byte; the same key with another request (method, path, actor or
//     body) is 422. Failures are not stored: retrying a failed request runs it again.
//     Fingerprints are HMAC-SHA256 under a server key, since bodies may hold passwords.
//   - GET /v1/users and GET /v1/users/{id} read the projector's read model (Deps.ReadModel),
//     which lags the store. A client reads its own write by passing the revision the write
//     returned as min_revision: the route waits (wait, default 2 s, capped at 10 s) until
//     the projection has applied it, and on timeout answers 503 projection-lagging with
//     Retry-After: 1 — never older data than asked for. History and state read the store.
//   - The OpenAPI 3.1 document (openapi.json, embedded) is served at /openapi.json and
//     the integration tests validate every response they receive against it.
package httpapi
