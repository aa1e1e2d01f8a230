# quizgen: build, local stack, tests, benchmarks.
# Quick start on a fresh clone: `make dev`, then `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO      ?= go
# The Go release we build and test with: newer than the machine's own Go
# (advisories fixed in the standard library). The go command fetches it from
# the module proxy once (about 76 MB). go.mod names it on its toolchain line;
# a machine whose Go is set to GOTOOLCHAIN=local ignores that line, hence the
# export. Every target below, and the scripts they run, use it.
export GOTOOLCHAIN := go1.27.3
PKG     ?= ./...
SERVICES := scripts/services.sh
# The env files written by `scripts/services.sh up <profile>`.
DEV_ENV  := .run/dev/env
TEST_ENV := .run/test/env

# Lambda build settings: arm64, static, no RPC shim.
GOFLAGS_LAMBDA := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
BUILD := $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w'

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]+):.*## (.*)/  \1\t\2/' | expand -t 24

## ---- local services -------------------------------------------------------

.PHONY: services services-down services-test services-test-down
services: ## start (installing what is missing) Postgres, PgBouncer and the SQS emulator for development
	$(SERVICES) up dev

services-down: ## stop the functions, the development services and the test ones this repository started
	scripts/dev.sh down
	$(SERVICES) down dev
	$(SERVICES) down test

services-test: ## start the test services (ports chosen per checkout, kept in .run/test/ports: two clones test at once; works next to `make dev`)
	$(SERVICES) up test

services-test-down: ## stop the test services
	$(SERVICES) down test

## ---- development ------------------------------------------------------------

.PHONY: dev dev-down dev-logs migrate
dev: services migrate ## the whole local stack: services, migrations, fake Canvas, the API on :8080
	scripts/dev.sh up
	@echo
	@echo "Connection settings: . $(DEV_ENV)   logs: make dev-logs   stop everything: make services-down"

.PHONY: e2e
e2e: ## today's QuizCrafter frontend (dev/e2e) in headless Chromium against make dev: sign-in, onboarding, create, generate, review, share, export; screenshots in .run/e2e/shots/
	scripts/e2e.sh

.PHONY: demo
demo: ## the whole flow against make dev: sign in, create a quiz, extract, generate, approve, export, report
	scripts/demo.sh

dev-down: ## stop the functions started by make dev (services keep running)
	scripts/dev.sh down

dev-logs: ## follow the logs of the functions started by make dev
	scripts/dev.sh logs

migrate: ## apply the migrations to the development database (direct connection, never the pooler)
	@scripts/preflight.sh migrate
	. $(DEV_ENV) && $(GO) run ./functions/migrate up

## ---- tests ------------------------------------------------------------------

.PHONY: test test-short vet vulncheck fuzz
test: services-test ## every test, against real Postgres and PgBouncer (transaction mode) started here
	. $(TEST_ENV) && CI="$${CI:-}" $(GO) test -race -count=1 -timeout 20m $$($(GO) list $(PKG) | grep -v '/dev/fleet$$')
	@# The fleet drill is a load test: alone and without the race detector,
	@# whose CPU cost would be the load it measures (README, Tests).
	@if $(GO) list $(PKG) | grep -q '/dev/fleet$$'; then . $(TEST_ENV) && CI="$${CI:-}" $(GO) test -count=1 -timeout 10m ./dev/fleet; fi

test-short: ## unit tests only, nothing to start
	$(GO) test -short -count=1 $(PKG)

# For a machine with a Docker engine and not the apt services (macOS):
# each test process starts its own PostgreSQL and PgBouncer with
# testcontainers-go (internal/db/dbtest, built in with -tags docker only),
# with the committed pgbouncer/pgbouncer.ini. The SQS emulator and the
# chaos pair are not started: their tests are skipped. No CI machine of
# ours has a Docker engine; CI only builds this path (go vet -tags docker).
.PHONY: test-docker
test-docker: ## the tests with PostgreSQL and PgBouncer in Docker (testcontainers-go; needs a Docker engine, no apt services); SQS and chaos tests are skipped
	env -u TEST_DATABASE_URL -u TEST_PGBOUNCER_URL $(GO) test -tags docker -race -count=1 -timeout 20m $$($(GO) list $(PKG) | grep -v '/dev/fleet$$')

# gofmt checks the Go files git tracks and the new ones it does not ignore
# (a file not yet added is checked too).
vet: ## gofmt, go vet (and the Docker test path, -tags docker, which no CI machine runs) and the import rule
	@test -z "$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go'))" || { gofmt -l $$(git ls-files -co --exclude-standard '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags docker ./...
	$(GO) test -count=1 ./internal/layering # the import rule (no services needed)

# The fuzz targets over what comes from outside: PDF and HTML files from
# Canvas, job messages from SQS. The go command fuzzes one target per run.
# An input that widens coverage is minimized for at most 1 s (the default
# 60 s would spend a short run minimizing the seed PDFs' mutations).
FUZZTIME ?= 15s
FUZZ_TARGETS := FuzzPDFToText:./internal/content FuzzHTMLToText:./internal/content FuzzDecode:./internal/queue

fuzz: ## each fuzz target for FUZZTIME (15 s; 45 s in all): PDF and HTML extraction, job message decoding; a crasher lands in the package's testdata/fuzz
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($${t#*:}, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s "$${t#*:}" || exit 1; \
	done

vulncheck: ## govulncheck, offline: the vulnerability database comes through the Go module proxy (scripts/vulncheck.sh)
	scripts/vulncheck.sh

## ---- benchmarks -------------------------------------------------------------

COUNT ?= 6
.PHONY: bench
bench: services-test ## Go benchmarks (make bench PKG=./internal/db COUNT=10 > new.txt; benchstat old.txt new.txt)
	. $(TEST_ENV) && $(GO) test -run='^$$' -bench=. -benchmem -count=$(COUNT) $(PKG) | grep -v '^{'

.PHONY: bench-api
bench-api: ## the API (GET /quiz/{id}, local mode) against pgbench -S through the same PgBouncer, same connections
	scripts/bench-api.sh

.PHONY: bench-pipeline
bench-pipeline: services-test ## a 200-question quiz through extraction, generation (mock LLM at 0 and 300 ms) and export: seconds per stage; 10 typed batches x 20 fanned out over SQS to 10 pollers: first batch taken to last saved, LLM calls per question
	. $(TEST_ENV) && $(GO) test -run='^$$' -bench='Pipeline200|FanOut200' -benchtime=1x -count=3 ./internal/pipeline/generation/ | grep -E '^(Benchmark|goos|goarch|pkg|cpu|PASS|ok|FAIL)'

.PHONY: bench-fleet
bench-fleet: services-test ## the fleet drill (dev/fleet): N=10..1000 simulated Lambda environments through PgBouncer and straight to Postgres, restarts, terminated backends, freeze; report, JSON and charts in docs/bench/<date>/ (FLEET_FLAGS='-n 10,100 -scenarios pgbouncer-restart' for a small run)
	$(GO) run ./dev/fleet $(FLEET_FLAGS)

.PHONY: bench-coldstart
bench-coldstart: ## cold starts under aws-lambda-rie: arm64 bootstrap size and median init duration per function (N=5; goals < 20 MB, < 25 ms)
	scripts/bench-coldstart.sh

## ---- code generation ----------------------------------------------------------

# sqlc is pinned as a tool in go.mod (`go tool sqlc`): the go command
# builds it once into its cache (it needs cgo and a C compiler, about a
# minute cold) and every machine generates the same code.
.PHONY: generate sqlc-check
generate: ## regenerate internal/db/dbsqlc from queries/ and migrations/ (sqlc, pinned in go.mod; needs a C compiler, no services)
	@scripts/preflight.sh generate
	cd internal/db && $(GO) tool sqlc generate

sqlc-check: ## fail if internal/db/dbsqlc differs from what queries/ and migrations/ generate, or a query does not compile (offline)
	cd internal/db && $(GO) tool sqlc diff && $(GO) tool sqlc vet

## ---- builds -------------------------------------------------------------------

FUNCTIONS := api generate export migrate
# Largest bootstrap `make build` accepts, in MB (10^6 bytes).
MAX_BOOTSTRAP_MB := 20

.PHONY: build
build: ## build every function as a Lambda bootstrap (linux/arm64) under bin/, with sizes; fails if one is over 20 MB (MAX_BOOTSTRAP_MB)
	@fail=0; \
	for f in $(FUNCTIONS); do \
		$(GOFLAGS_LAMBDA) $(BUILD) -o bin/$$f/bootstrap ./functions/$$f; \
		size=$$(stat -c %s bin/$$f/bootstrap); \
		if [ "$$size" -gt $$(( $(MAX_BOOTSTRAP_MB) * 1000000 )) ]; then verdict="OVER $(MAX_BOOTSTRAP_MB) MB"; fail=1; else verdict=ok; fi; \
		printf '%-10s %6s MB  (%s bytes)  %s\n' $$f "$$(awk -v b=$$size 'BEGIN { printf "%.2f", b / 1000000 }')" $$size "$$verdict"; \
	done; \
	if [ $$fail -ne 0 ]; then echo "build: a bootstrap is over $(MAX_BOOTSTRAP_MB) MB" >&2; exit 1; fi

# sam build calls build-<LogicalId> with ARTIFACTS_DIR set (template.yaml:
# Metadata: {BuildMethod: makefile}).
.PHONY: build-ApiFunction build-GenerateFunction build-ExportFunction build-MigrateFunction
build-ApiFunction build-GenerateFunction build-ExportFunction build-MigrateFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "$@: ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	$(GOFLAGS_LAMBDA) $(BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(FUNC)

build-ApiFunction: FUNC = api
build-GenerateFunction: FUNC = generate
build-ExportFunction: FUNC = export
build-MigrateFunction: FUNC = migrate

## ---- connection budget ----------------------------------------------------------

.PHONY: budget
budget: ## worst-case connections (template.yaml defaults) against PgBouncer and Postgres limits
	$(GO) run ./dev/budget -template template.yaml -pgbouncer pgbouncer/pgbouncer.ini
