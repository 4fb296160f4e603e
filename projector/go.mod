module github.com/recall-events/recall/projector

go 1.26.8

require (
	github.com/emersion/go-smtp v0.25.1
	github.com/jackc/pgx/v5 v5.12.0
	github.com/prometheus/client_golang v1.23.2
	github.com/recall-events/recall/devstack v0.0.0
	github.com/recall-events/recall/eventstore v0.0.0
	github.com/recall-events/recall/schemas v0.0.0
	github.com/twmb/franz-go v1.22.3
	github.com/twmb/franz-go/pkg/kadm v1.20.0
	github.com/twmb/franz-go/pkg/sr v1.8.0
)

replace (
	github.com/recall-events/recall/devstack => ../devstack
	github.com/recall-events/recall/eventstore => ../eventstore
	github.com/recall-events/recall/schemas => ../schemas
)
