// Package stack runs all of Recall on one machine, in one process: a private PostgreSQL
// cluster, kfake as the broker, srfake as the registry, then command-api, the relay and the
// projector. It is what `make run` starts, and what end-to-end tests start with free ports
// and a temporary folder.
//
//	s, err := stack.Start(ctx, stack.Options{DataDir: ".data"}) // the embedded defaults
//	defer s.Stop()
//	fmt.Println(s.APIURL) // http://127.0.0.1:8080
//
// Services run as goroutines with their own Run(ctx, Config); Start returns once every
// one of them reports ready, and Stop cancels them and waits for their graceful shutdown
// before stopping the dependencies.
package stack
