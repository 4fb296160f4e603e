// Package rig is the Recall under measurement: either one it starts on this machine or
// one already running that it is pointed at.
//
// Start brings up the embedded dependencies with devstack's stack (a private PostgreSQL
// cluster, kfake with a DataDir, srfake), runs command-api in this process, and the relay
// and the projector as processes built from their cmd/ packages, so that they can be
// killed like a crash and their peak memory read. Every address is a free loopback port
// and every file lives in one temporary folder, so runs never meet each other or
// `make run`.
//
//	r, err := rig.Start(ctx, rig.Options{})
//	defer r.Close()
//	err = r.StartRelay(ctx)
//	err = r.StartProjector(ctx)
//	r.KillRelay()                 // SIGKILL
//	err = r.RestartKafka(ctx)     // same address, same DataDir
//	err = r.RestartPostgres(ctx)  // clean restart, same port and data
//
// Attach instead targets a running Recall (RECALL_BENCH_* variables); it cannot kill or
// restart anything, so the measurements that need that are skipped.
package rig
