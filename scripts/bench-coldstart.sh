#!/usr/bin/env bash
# Cold starts of the four functions under the AWS Lambda Runtime Interface
# Emulator (aws-lambda-rie), for `make bench-coldstart`.
#
# For each function: the linux/arm64 Lambda bootstrap's size (as `make
# build` builds it), then the host-arch bootstrap run N times (a fresh
# aws-lambda-rie process each time) and invoked once (health-check for
# api, {"command":"version"} for migrate, an empty SQS batch for generate
# and export); the init duration comes from the emulator's INIT REPORT line
# (falling back to the REPORT line's "Init Duration"). Prints one table row
# per function with the median and the goals (< 20 MB, < 25 ms), after a
# baseline row (dev/lambdabaseline) that each median is divided by.
#
# Needs the test services (started here): .run/test/env gives the database.
# Host init durations are not Lambda's (no Firecracker, other CPU); use them
# to compare revisions, not as the production figure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
GO=${GO:-go}
N=${N:-5}
FUNCTIONS=${FUNCTIONS:-api generate export migrate}
MAX_MB=20
MAX_INIT_MS=25

die() {
	printf 'bench-coldstart: error: %s\n' "$*" >&2
	exit 1
}

cd "$REPO"
"$REPO/scripts/services.sh" up test >/dev/null
# shellcheck disable=SC1091
. "$REPO/.run/test/env"

# aws-lambda-rie as go.mod's tool line pins it: the go command builds it
# once into its cache and prints its path.
RIE=$($GO tool -n aws-lambda-rie) || die "go tool -n aws-lambda-rie failed (the tool line of go.mod)"
[[ -x $RIE ]] || die "aws-lambda-rie not found at $RIE"

WORK=$(mktemp -d)
RIE_PID=
cleanup() {
	if [[ -n $RIE_PID ]]; then kill "$RIE_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

event() { # function
	case $1 in
	api)
		cat <<-'EOF'
			{"version":"2.0","routeKey":"ANY /{proxy+}","rawPath":"/api/v1/utils/health-check/","rawQueryString":"",
			 "headers":{"host":"abc123.execute-api.us-east-1.amazonaws.com","x-forwarded-proto":"https"},
			 "requestContext":{"accountId":"123456789012","apiId":"abc123","domainName":"abc123.execute-api.us-east-1.amazonaws.com",
			  "http":{"method":"GET","path":"/api/v1/utils/health-check/","protocol":"HTTP/1.1","sourceIp":"203.0.113.7","userAgent":"bench"},
			  "requestId":"bench","routeKey":"ANY /{proxy+}","stage":"$default"},
			 "pathParameters":{"proxy":"api/v1/utils/health-check/"},"isBase64Encoded":false}
		EOF
		;;
	migrate) echo '{"command":"version"}' ;;
	*) echo '{"Records":[]}' ;;
	esac
}

# The settings of .env.example plus the test services' database and SQS.
run_env=(
	ENVIRONMENT=local LOG_LEVEL=info
	CANVAS_BASE_URL=http://localhost:8001 CANVAS_API_URL= CANVAS_CLIENT_ID=quizgen-local
	CANVAS_CLIENT_SECRET=local-canvas-secret CANVAS_REDIRECT_URI=http://localhost:8080/api/v1/auth/callback/canvas
	FRONTEND_HOST=http://localhost:5173 JWT_SECRET=local-jwt-secret-change-me-0123456789abcdef
	TOKEN_ENCRYPTION_KEY=bG9jYWwtb25seS10b2tlbi1rZXktMzItYnl0ZXMhISE= LLM_PROVIDER=mock
	DATABASE_URL="$DATABASE_URL" DATABASE_DIRECT_URL="$DATABASE_DIRECT_URL" DB_POOLER="$DB_POOLER" DB_MAX_CONNS=2
	GENERATE_QUEUE_URL="$GENERATE_QUEUE_URL" EXPORT_QUEUE_URL="$EXPORT_QUEUE_URL"
	AWS_ENDPOINT_URL_SQS="$AWS_ENDPOINT_URL_SQS" AWS_REGION="$AWS_REGION"
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" AWS_EC2_METADATA_DISABLED=true
)

# one_cold_start function bootstrap: prints the init duration in ms.
one_cold_start() {
	local f=$1 bin=$2 port api log i
	port=$(free_port)
	api=$(free_port) # the emulator's own Runtime API (default 127.0.0.1:9001)
	while [[ $api == "$port" ]]; do api=$(free_port); done
	log=$WORK/$f.rie.log
	: >"$log"
	env -i PATH="$PATH" HOME="$HOME" "${run_env[@]}" \
		"$RIE" --runtime-interface-emulator-address "127.0.0.1:$port" \
		--runtime-api-address "127.0.0.1:$api" "$bin" >"$log" 2>&1 &
	RIE_PID=$!
	for ((i = 0; i < 200; i++)); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
		sleep 0.02
	done
	event "$f" | curl -fsS -o "$WORK/$f.out" -X POST --data-binary @- \
		"http://127.0.0.1:$port/2015-03-31/functions/function/invocations" ||
		{ cat "$log" >&2; die "$f: invocation failed"; }
	for ((i = 0; i < 100; i++)); do
		grep -q '^REPORT' "$log" && break
		sleep 0.02
	done
	kill "$RIE_PID" 2>/dev/null || true
	wait "$RIE_PID" 2>/dev/null || true
	RIE_PID=
	local ms
	ms=$(sed -nE 's/.*INIT REPORT\(durationMs: ([0-9.]+)\).*/\1/p' "$log" | head -1)
	[[ -n $ms ]] || ms=$(sed -nE 's/.*Init Duration: ([0-9.]+) ms.*/\1/p' "$log" | head -1)
	[[ -n $ms ]] || { cat "$log" >&2; die "$f: no init duration in the emulator's output"; }
	echo "$ms"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf 'cold starts under aws-lambda-rie on %s/%s, N=%d per function (init duration: INIT REPORT)\n\n' \
	"$($GO env GOOS)" "$($GO env GOARCH)" "$N"
printf '%-10s %14s %10s %18s %14s %9s  %s\n' function arm64-size size-goal median-init init-goal "x base" "inits (ms)"
# "baseline" (dev/lambdabaseline) is the smallest aws-lambda-go function,
# measured first in the same run: the floor of exec, Go runtime start and
# the emulator on this machine. "x base" is each median over its median.
base_med=
for f in baseline $FUNCTIONS; do
	pkg=./functions/$f
	[[ $f == baseline ]] && pkg=./dev/lambdabaseline
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $GO build -trimpath -tags lambda.norpc -ldflags='-s -w' \
		-o "$WORK/arm64/$f/bootstrap" "$pkg"
	size=$(stat -c %s "$WORK/arm64/$f/bootstrap")
	$GO build -trimpath -tags lambda.norpc -ldflags='-s -w' -o "$WORK/host/$f/bootstrap" "$pkg"
	inits=()
	for ((k = 0; k < N; k++)); do
		inits+=("$(one_cold_start "$f" "$WORK/host/$f/bootstrap")")
	done
	med=$(printf '%s\n' "${inits[@]}" | median)
	[[ -n $base_med ]] || base_med=$med
	ratio=$(awk -v t="$med" -v b="$base_med" 'BEGIN { printf "%.2f", t / b }')
	mb=$(awk -v b="$size" 'BEGIN { printf "%.2f MB", b / 1000000 }')
	sgoal=$(awk -v b="$size" -v m=$MAX_MB 'BEGIN { print (b < m * 1000000) ? "ok (<" m ")" : "OVER " m }')
	igoal=$(awk -v t="$med" -v m=$MAX_INIT_MS 'BEGIN { print (t < m) ? "ok (<" m ")" : "OVER " m }')
	if [[ $f == baseline ]]; then sgoal=-; igoal=-; fi
	printf '%-10s %14s %10s %15.2f ms %14s %9s  %s\n' "$f" "$mb" "$sgoal" "$med" "$igoal" "$ratio" "${inits[*]}"
done
