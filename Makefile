# Recall — `make run` starts the whole system on one machine, `make test` checks everything.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

export PATH := $(PATH):$(shell go env GOPATH)/bin
PG_BIN ?= /usr/lib/postgresql/15/bin
MODULES = $(shell go list -m -f '{{.Dir}}')
# An execution count, not a duration: with -fuzztime=<duration> Go 1.26's fuzz coordinator can
# fail a target with a spurious "context deadline exceeded" on a loaded machine (go.dev/issue/75804,
# fixed in Go 1.27); a count has no deadline to race. make fuzz FUZZTIME=2m still works.
FUZZTIME ?= 50000x
TEST_FUZZTIME ?= 3000x
TEST_FLAGS ?= -race -count=1 -timeout 20m
PROFILE ?= small

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install what the build and tests need (PostgreSQL 15, Chromium and the Python consumer's packages from apt, Go tools)
	@if [ ! -x $(PG_BIN)/initdb ] || ! command -v pg_recvlogical >/dev/null; then \
		echo "installing PostgreSQL 15 server binaries (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null; \
	fi
	@if ! /usr/bin/python3 -c 'import confluent_kafka, avro.io, cryptography' 2>/dev/null; then \
		echo "installing python3-confluent-kafka, python3-avro and python3-cryptography (apt; the README's Python consumer test)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-confluent-kafka python3-avro python3-cryptography >/dev/null; \
	fi
	@command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.0
	@if ! command -v chromium >/dev/null; then \
		echo "installing Chromium (apt) for the console's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

.PHONY: run
run: deps ## the whole system on one machine: PostgreSQL, kfake, srfake, command-api, relay, projector (Ctrl-C stops)
	@echo "building Recall (first time takes a few minutes; later builds are cached)…"
	@mkdir -p .data && cd stack && go build -o $(CURDIR)/.data/recall ./cmd/recall
	@exec $(CURDIR)/.data/recall --data-dir $(CURDIR)/.data --log-file $(CURDIR)/.data/recall.log

.PHONY: build
build: ## build every module and binary
	@for d in $(MODULES); do (cd $$d && go build ./...); done

.PHONY: test
test: deps lint ## unit + integration tests (real PostgreSQL, kfake, srfake) with -race, then short fuzz runs
	@start=$$(date +%s); \
	for d in $(MODULES); do echo "== $$(basename $$d)"; (cd $$d && RECALL_REQUIRE_CHROMIUM=1 go test $(TEST_FLAGS) ./...); done; \
	$(MAKE) --no-print-directory deploytest; \
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME); \
	echo "make test: $$(( $$(date +%s) - start ))s"

.PHONY: deploytest
deploytest: ## validate docker-compose.yml, the Helm chart, dashboard, alerts, AsyncAPI and Dockerfile (no Docker needed)
	@echo "== deploytest"; cd deploytest && test -z "$$(gofmt -l .)" && GOWORK=off go vet ./... && GOWORK=off staticcheck ./... && GOWORK=off go test -count=1 ./...

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (default 50000x executions; make test runs 3000x)
	@for d in $(MODULES); do \
		for pkg in $$(cd $$d && { grep -rl --include='*_test.go' '^func Fuzz' . || true; } | xargs -r -n1 dirname | sort -u); do \
			for f in $$(cd $$d && grep -h '^func Fuzz' $$pkg/*_test.go | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/'); do \
				echo "fuzz $$(basename $$d)/$${pkg#./} $$f ($(FUZZTIME))"; \
				(cd $$d && go test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=2000x $$pkg >/tmp/recall-fuzz.log 2>&1) || { cat /tmp/recall-fuzz.log; exit 1; }; \
			done; \
		done; \
	done

.PHONY: lint
lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@for d in $(MODULES); do (cd $$d && go vet ./... && staticcheck ./...); done

.PHONY: bench
bench: deps ## Go benchmarks of every module (fsync on; medians of 5 runs), then the end-to-end harness (PROFILE=small|full), appended to docs/benchmarks.md
	@mkdir -p .data; for d in $(MODULES); do (cd $$d && go test -run="^$$" -bench=. -benchmem -count=$${BENCH_COUNT:-5} ./... | tee -a $(CURDIR)/.data/bench.txt); done
	@cd bench && GOWORK=off go run ./cmd/bench -profile $(PROFILE) -json $(CURDIR)/.data/bench-$(PROFILE).json -doc $(CURDIR)/docs/benchmarks.md -logs $(CURDIR)/.data/bench-services.log

.PHONY: test-faults
test-faults: deps ## fault tests, long profile: relay/projector SIGKILLed, PostgreSQL and broker restarted under load; nothing lost
	@cd bench && GOWORK=off RECALL_FAULTS_LONG=1 go test -count=1 -timeout 30m -run '^TestFaultsLong$$' -v ./internal/faults/

.PHONY: screenshots
screenshots: deps ## drive the console in headless Chromium against a fresh stack and save its pages to docs/console/*.png
	@cd stack && RECALL_SCREENSHOTS=1 go test -count=1 -run '^TestConsoleInABrowser$$' .

.PHONY: tidy
tidy: ## go mod tidy in every module
	@for d in $(MODULES); do (cd $$d && go mod tidy); done
