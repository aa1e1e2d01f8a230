#!/usr/bin/env bash
# make e2e: today's QuizCrafter frontend (dev/e2e/frontend-head-8daf145.tar.gz)
# in headless Chromium against `make dev` (started if the API does not
# answer). Unpacks and builds the frontend under .run/e2e/ once (again when
# the tarball changes), installs Debian's chromium and the walk's
# playwright-core if missing, then runs dev/e2e/walk.mjs: screenshots in
# .run/e2e/shots/, exit status non-zero on any console error, failed request
# or missing screen.
#
# Settings: E2E_KEEP_GOING=1 goes on past a failed step (the exit status
# still reports it); E2E_STEP_MS (15000) and E2E_JOB_MS (180000) bound how
# long a screen and a generation or export may take; E2E_REBUILD=1 rebuilds
# the frontend.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
API=http://localhost:8080
TARBALL=dev/e2e/frontend-head-8daf145.tar.gz
OUT=.run/e2e
FRONTEND=$OUT/frontend

say() { printf '== %s\n' "$*"; }

if [[ ! -x /usr/bin/chromium ]]; then
	say "installing chromium (Debian)"
	${SUDO:-} apt-get install -y -qq chromium >/dev/null ||
		{ ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq chromium >/dev/null; }
fi
command -v npm >/dev/null 2>&1 || { say "installing nodejs and npm (Debian)"; ${SUDO:-} apt-get install -y -qq nodejs npm >/dev/null; }

if [[ ! -d dev/e2e/node_modules/playwright-core ]]; then
	say "installing the walk's dependencies (dev/e2e, npm ci)"
	(cd dev/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

# The build is kept while the tarball is the same.
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
if [[ ${E2E_REBUILD:-} == 1 || ! -f $FRONTEND/dist/index.html || $(cat "$OUT/built-from" 2>/dev/null) != "$sum" ]]; then
	say "unpacking and building the frontend ($TARBALL, VITE_API_URL=$API)"
	rm -rf "$FRONTEND" "$OUT/built-from"
	mkdir -p "$OUT"
	tar -xzf "$TARBALL" -C "$OUT"
	(cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error &&
		VITE_API_URL=$API npm run build --silent >/dev/null)
	echo "$sum" >"$OUT/built-from"
fi

if ! curl -fsS -o /dev/null "$API/api/v1/utils/health-check/" 2>/dev/null; then
	say "starting the dev stack (make dev)"
	make --no-print-directory dev >/dev/null
fi

say "walking the frontend in headless Chromium (screenshots: $OUT/shots/)"
E2E_DIST=$FRONTEND/dist E2E_SHOTS=$OUT/shots E2E_API=$API node dev/e2e/walk.mjs
