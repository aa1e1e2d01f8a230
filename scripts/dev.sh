#!/usr/bin/env bash
# The quizgen functions running locally against the dev services, for
# `make dev`: the fake Canvas, the API and the generate and export workers
# (polling their SQS queues), each a background process with a pid file
# and a log in .run/dev/.
#
#   scripts/dev.sh up       build, start what is not running, wait until it answers
#   scripts/dev.sh down     stop what this script started
#   scripts/dev.sh status   show what runs
#   scripts/dev.sh logs     follow the logs
#
# Settings: .run/dev/env (database, SQS; written by scripts/services.sh),
# then .env if it exists, else .env.example, then the local overrides below.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RUN=$REPO/.run/dev
BIN=$RUN/bin
GO=${GO:-go}
API_PORT=${PORT:-8080}
CANVAS_ADDR=127.0.0.1:8001

say() { printf '%s\n' "$*"; }
die() {
	printf 'dev.sh: error: %s\n' "$*" >&2
	exit 1
}

load_env() {
	[[ -f $RUN/env ]] || die "$RUN/env is missing: run 'make services' first"
	set -a
	# shellcheck disable=SC1091
	. "$RUN/env"
	if [[ -f $REPO/.env ]]; then
		# shellcheck disable=SC1091
		. "$REPO/.env"
	else
		# shellcheck disable=SC1091
		. "$REPO/.env.example"
	fi
	set +a
	# Local overrides: the fake Canvas, a pool sized for a long-running
	# server (a Lambda environment keeps 2), the API port.
	export CANVAS_BASE_URL=${CANVAS_BASE_URL:-http://localhost:8001}
	export CANVAS_API_URL=${CANVAS_API_URL:-}
	export DB_MAX_CONNS=${DEV_DB_MAX_CONNS:-20}
	export PORT=$API_PORT
}

running() { # name
	local pidfile=$RUN/$1.pid
	[[ -f $pidfile ]] || return 1
	local pid
	pid=$(<"$pidfile")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]
}

start() { # name, command...
	local name=$1
	shift
	if running "$name"; then
		return 0
	fi
	# Where this run's lines begin in the (appended) log, for exited.
	if [[ -f $RUN/$name.log ]]; then wc -c <"$RUN/$name.log" | tr -d ' ' >"$RUN/$name.logstart"; else echo 0 >"$RUN/$name.logstart"; fi
	nohup "$@" >>"$RUN/$name.log" 2>&1 &
	echo $! >"$RUN/$name.pid"
}

# exited NAME: NAME stopped at start; show what it said (a broken
# configuration is one "config: NAME: problem" line each) and fail.
exited() {
	local log=$RUN/$1.log from=0
	[[ -f $RUN/$1.logstart ]] && from=$(<"$RUN/$1.logstart")
	if [[ -f $log ]]; then
		printf -- '--- %s said:\n' "$1" >&2
		tail -c +"$((from + 1))" "$log" | tail -n 20 >&2
	fi
	die "$1 exited; see $log"
}

wait_http() { # name url
	local i
	for ((i = 0; i < 100; i++)); do
		if curl -fsS -o /dev/null "$2" 2>/dev/null; then
			return 0
		fi
		running "$1" || exited "$1"
		sleep 0.1
	done
	die "$1 does not answer at $2; see $RUN/$1.log"
}

build() {
	mkdir -p "$BIN"
	(cd "$REPO" && $GO build -o "$BIN/fakecanvas" ./dev/fakecanvas/cmd/fakecanvas &&
		$GO build -o "$BIN/api" ./functions/api &&
		$GO build -o "$BIN/generate" ./functions/generate &&
		$GO build -o "$BIN/export" ./functions/export)
}

up() {
	mkdir -p "$RUN"
	load_env
	build
	# dev-canvas-token: a never-expiring fake Canvas token, so scripts (make
	# demo) can read what the fake received.
	start fakecanvas "$BIN/fakecanvas" -addr "$CANVAS_ADDR" -base-url "http://localhost:8001" -static-token dev-canvas-token
	wait_http fakecanvas "http://$CANVAS_ADDR/health"
	start api "$BIN/api"
	wait_http api "http://127.0.0.1:$API_PORT/api/v1/utils/health-check/"
	start generate "$BIN/generate"
	start export "$BIN/export"
	sleep 0.5
	running generate || exited generate
	running export || exited export
	status
}

stop() { # name
	local pidfile=$RUN/$1.pid
	if running "$1"; then
		local pid i
		pid=$(<"$pidfile")
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			running "$1" || break
			sleep 0.1
		done
		running "$1" && kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

down() {
	stop generate
	stop export
	stop api
	stop fakecanvas
	say "quizgen functions (dev): stopped"
}

status() {
	say "quizgen functions (dev):"
	local name
	for name in fakecanvas api generate export; do
		if running "$name"; then
			say "  $(printf '%-12s' "$name") up    (log: .run/dev/$name.log)"
		else
			say "  $(printf '%-12s' "$name") down"
		fi
	done
	say "  API:         http://localhost:$API_PORT/  (today's contract, OpenAPI: /openapi.json; the mid-2025 one under /api/v1/)"
	say "  fake Canvas: http://localhost:8001/  (sign in: http://localhost:$API_PORT/auth/login/canvas; teachers 12345 and 12346)"
	say "  frontend:    make e2e builds today's frontend and walks it in headless Chromium"
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
logs) tail -F "$RUN"/*.log ;;
*)
	say "usage: scripts/dev.sh up|down|status|logs" >&2
	exit 2
	;;
esac
