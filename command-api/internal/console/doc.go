// Package console is the audit console served by command-api at /console/: plain HTML,
// one stylesheet and a small vanilla script, embedded in the binary. There is no build
// step and nothing comes from another host: the Content-Security-Policy allows only this
// origin (default-src 'self'), no inline script or style, and no framing.
//
// The script calls the same JSON API every client uses, with the bearer token of
// POST /v1/auth/login kept in a JavaScript variable: it is never written to storage or a
// cookie, so a reload logs out, and no other origin can use it. The API decides what a
// role may see (admins and auditors every user; users only themselves; projection health
// and dry runs admins only); the console only hides what would be refused.
//
//	r.GET("/console/*path", gin.WrapH(console.Handler()))
package console
