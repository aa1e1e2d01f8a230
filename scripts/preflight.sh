#!/usr/bin/env bash
# What a make target needs before it runs, said in words with the command
# that provides it, instead of the raw error of the first step that fails
# (a missing env file, a refused connection, a C compiler not found).
#
#   scripts/preflight.sh migrate    the dev services' settings and PostgreSQL
#   scripts/preflight.sh generate   the Go toolchain and cgo for sqlc (no services)
#
# Prints nothing and exits 0 when all is there; otherwise one line per
# missing thing on stderr and exits 1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
GO=${GO:-go}
TARGET=${1:-}
DEV_ENV=$REPO/.run/dev/env

fail() {
	printf 'make %s: %s\n' "$TARGET" "$1" >&2
	shift
	local arg l
	for arg in "$@"; do
		while IFS= read -r l; do printf '  %s\n' "$l" >&2; done <<<"$arg"
	done
	exit 1
}

# The go command and the Go release go.mod names (fetched on first use).
need_go() {
	command -v "$GO" >/dev/null 2>&1 ||
		fail "the go command is not installed." "Install Go (any release of the last two years: it fetches the one go.mod names)."
	local out
	if ! out=$(cd "$REPO" && "$GO" version 2>&1); then
		fail "the go command cannot run ${GOTOOLCHAIN:-the Go release go.mod names}; it fetches it from the module proxy once (about 76 MB):" \
			"$(printf '%s' "$out" | tail -n 2)" \
			"Check the network or GOPROXY, then run the target again."
	fi
}

check_migrate() {
	[[ -f $DEV_ENV ]] ||
		fail "the development services are not set up (no .run/dev/env with their settings)." \
			"Start them: make services   (or make dev: services, migrations, the API)"
	local url
	# shellcheck disable=SC1090 # written by scripts/services.sh
	url=$(. "$DEV_ENV" && printf '%s' "${DATABASE_DIRECT_URL:-}")
	[[ -n $url ]] || fail ".run/dev/env has no DATABASE_DIRECT_URL." "Write it again: make services"
	local hostport=${url#*://}
	hostport=${hostport#*@}
	hostport=${hostport%%/*}
	local host=${hostport%:*} port=${hostport##*:}
	[[ $hostport == *:* ]] || port=5432
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null ||
		fail "the development PostgreSQL ($host:$port) does not answer." \
			"Start it: make services   (status: scripts/services.sh status dev)"
	need_go
}

check_generate() {
	need_go
	# sqlc (go tool sqlc, pinned in go.mod) links a C parser: it needs cgo.
	local cgo cc
	cgo=$(cd "$REPO" && "$GO" env CGO_ENABLED)
	[[ $cgo == 1 ]] ||
		fail "sqlc is built with cgo, and CGO_ENABLED is $cgo here." "Run: CGO_ENABLED=1 make generate   (and install a C compiler if there is none)"
	cc=$(cd "$REPO" && "$GO" env CC)
	command -v "${cc%% *}" >/dev/null 2>&1 ||
		fail "sqlc is built with cgo and needs a C compiler; '${cc%% *}' (go env CC) is not installed." \
			"Install one: apt-get install gcc (Debian, Ubuntu), xcode-select --install (macOS)"
	# Build it now (once per machine, about a minute cold) so that a
	# failure says it is the build.
	local out
	if ! out=$(cd "$REPO" && "$GO" tool -n sqlc 2>&1); then
		fail "building sqlc (go tool sqlc, pinned in go.mod) failed:" \
			"$(printf '%s' "$out" | tail -n 5)" \
			"Its modules come from the module proxy on first use: check the network or GOPROXY (go mod download)."
	fi
}

case $TARGET in
migrate) check_migrate ;;
generate) check_generate ;;
*)
	printf 'usage: scripts/preflight.sh migrate|generate\n' >&2
	exit 2
	;;
esac
