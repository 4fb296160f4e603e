# syntax=docker/dockerfile:1
#
# One image holds every Recall binary (command-api, relay, projector, replayer);
# the container's command picks the process. Why one image and not four:
#   - one build: the services share most of their dependency graph (pgx, franz-go,
#     the schemas module), so one builder stage compiles it once;
#   - one version to roll: a release is one tag, and command-api, relay, projector
#     and the migration/replayer Jobs can never run mismatched copies of the Avro
#     contract or the event-store migrations;
#   - the same image for Jobs: the Helm pre-upgrade migration hook and the replayer
#     Job use the tag the Deployments roll to, nothing else to publish or scan.
# Each binary is static (CGO_ENABLED=0), so the final stage is distroless/static
# running as the nonroot user (uid 65532): no shell, no package manager.
#
#   docker build -t recall:dev .
#   docker run --rm recall:dev /usr/local/bin/relay --help

ARG GO_IMAGE=golang:1.26.8-bookworm
# Pin by digest in a release pipeline: RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:…
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
ARG VERSION=dev
# The whole workspace: each service module reaches its siblings (schemas,
# eventstore) through replace lines, so every module is built on its own with
# GOWORK=off, exactly as `cd <module> && GOWORK=off go build` does on a laptop.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    set -eu; mkdir -p /out; \
    for bin in command-api relay projector replayer; do \
      (cd "$bin" && GOWORK=off go build -ldflags="-s -w -X main.version=${VERSION}" -o "/out/$bin" "./cmd/$bin"); \
    done

FROM ${RUNTIME_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title="recall" \
      org.opencontainers.image.description="Recall: event-sourced user service (command-api, relay, projector, replayer)" \
      org.opencontainers.image.source="https://github.com/recall-events/recall" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/ /usr/local/bin/
USER 65532:65532
# command-api :8080; relay and projector serve health + metrics on :9101 / :9102.
EXPOSE 8080 9101 9102
ENTRYPOINT []
CMD ["/usr/local/bin/command-api"]
