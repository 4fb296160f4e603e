// Package republish sends events from the event store to Kafka again, as the relay sent
// them: the same value bytes, key, headers and partitioner (it builds records with the
// relay's record package, and takes recall_commit_lsn from the relay's relay_commits
// table). It serves a topic that lost history, or a new topic for a downstream team.
//
// A run is planned first, changing nothing; executing it publishes in global_position
// order, batch by batch, saving the last acked position of its job in
// republish_progress, so an interrupted job resumes where it stopped:
//
//	r, _ := republish.New(ctx, republish.Config{DatabaseURL: url, Brokers: brokers, RegistryURL: reg})
//	defer r.Close()
//	plan, _ := r.Plan(ctx, republish.Request{FromPosition: 1, ToTopic: "recall.user.events.restored"})
//	done, err := r.Execute(ctx, plan, func(p republish.Progress) { fmt.Println(p.Position) })
//
// Events the relay never published have no recorded commit LSN: Execute refuses them
// unless the Request allows them, when they carry the WAL position at planning time.
package republish
