// Command kafkad runs the devstack broker (kfake with a DataDir) as a process of its own,
// so a fault drill can SIGKILL the broker like a crash instead of closing it cleanly:
//
//	kafkad ADDR DATADIR
//
// SIGTERM or SIGINT closes it cleanly.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/recall-events/recall/devstack"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: kafkad ADDR DATADIR")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: os.Args[1], DataDir: os.Args[2]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	<-ctx.Done()
	k.Close()
}
