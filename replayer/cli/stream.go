package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/streamfile"
)

func newStreamCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "stream", Short: "Read one stream from the event store"}
	cmd.AddCommand(newStreamExportCmd(g))
	return cmd
}

// newStreamExportCmd writes one stream as stored, in the streamfile format (see the
// eventstore/streamfile package and the README's "debug a production case"): the first
// step of turning a production case into a test. It reads only; nothing goes to ops_log.
func newStreamExportCmd(g *globals) *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:   "export ID [--until T] > case.json",
		Short: "Export a stream (events and metadata, as stored) as " + streamfile.Format + " JSON",
		Long: "Writes every event of stream ID, with its metadata, exactly as the event store holds it, " +
			"in the stable " + streamfile.Format + " format (documented in the eventstore/streamfile package). " +
			"--until keeps the events recorded at or before an RFC 3339 instant. " +
			"Personal fields are exported as stored: treat the file as you would the database row.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := uuid.Parse(args[0])
			if err != nil {
				return fmt.Errorf("stream id %q: %w", args[0], err)
			}
			var at time.Time
			if until != "" {
				if at, err = time.Parse(time.RFC3339Nano, until); err != nil {
					return fmt.Errorf("--until %q: want an RFC 3339 instant such as 2026-11-30T15:47:00Z", until)
				}
			}
			ctx := cmd.Context()
			pool, err := pgxpool.New(ctx, g.databaseURL)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			defer pool.Close()
			f, err := eventstore.New(pool).ExportStream(ctx, id, at)
			if errors.Is(err, eventstore.ErrStreamNotFound) && until != "" {
				return fmt.Errorf("stream %s has no events recorded by %s", id, until)
			}
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				return fmt.Errorf("stream %s has no events", id)
			}
			if err != nil {
				return err
			}
			return streamfile.Write(g.stdout, f)
		},
	}
	cmd.Flags().StringVar(&until, "until", "", "only events recorded at or before this RFC 3339 instant")
	return cmd
}
