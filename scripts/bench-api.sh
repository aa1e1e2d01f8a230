#!/usr/bin/env bash
# make bench-api: the API in local mode against pgbench, through the same
# PgBouncer (test services), with the same number of connections, in one
# run. Prints both, their ratio and the API's latency percentiles. Then
# the polled read, GET /quiz/{id} revalidated with If-None-Match as a
# browser sends it, for a quiz with the course's text and one with 1 MB of
# it (goal: within 1.5x of each other), and the sizes of their answers.
#
#   CONNS=50 DURATION=10 scripts/bench-api.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
CONNS=${CONNS:-50}
DURATION=${DURATION:-10}
BENCH_PORT=${BENCH_PORT:-18080}
RUN=$REPO/.run/bench
mkdir -p "$RUN"

command -v wrk >/dev/null 2>&1 || { echo "installing wrk" >&2; ${SUDO:-} apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null 2>&1 || { echo "installing pgbench (postgresql-contrib)" >&2; ${SUDO:-} apt-get install -y -qq postgresql-contrib >/dev/null; }

scripts/services.sh up test >/dev/null
set -a
# shellcheck disable=SC1091
. .run/test/env
# shellcheck disable=SC1091
. ./.env.example
set +a
eval "$(go run ./dev/benchapi -db quizgen_bench)"

# pgbench's tables in the same database, initialised directly, read through PgBouncer.
direct_bench=${TEST_DATABASE_URL%/*}/quizgen_bench
if ! psql -X -q -t -A "$direct_bench" -c "select 1 from pgbench_accounts limit 1" >/dev/null 2>&1; then
	pgbench -i -q -s 10 "$direct_bench" >/dev/null 2>&1
fi

go build -o "$RUN/api" ./functions/api
DATABASE_URL=$BENCH_DATABASE_URL DB_MAX_CONNS=${API_DB_MAX_CONNS:-20} PORT=$BENCH_PORT LOG_LEVEL=warn \
	GENERATE_QUEUE_URL=$GENERATE_QUEUE_URL EXPORT_QUEUE_URL=$EXPORT_QUEUE_URL \
	CANVAS_BASE_URL=http://localhost:8001 "$RUN/api" >"$RUN/api.log" 2>&1 &
api_pid=$!
trap 'kill $api_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$BENCH_PORT/api/v1/utils/health-check/" 2>/dev/null && break; sleep 0.1; done

url="http://127.0.0.1:$BENCH_PORT/api/v1/quiz/$BENCH_QUIZ_ID"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BENCH_TOKEN" "$url")
[[ $code == 200 ]] || { echo "GET $url answered $code; see $RUN/api.log" >&2; exit 1; }

echo "== pgbench -S through PgBouncer: $CONNS connections, ${DURATION}s"
pgbench -n -S -M extended -c "$CONNS" -j 2 -T "$DURATION" "$BENCH_DATABASE_URL" 2>/dev/null | tee "$RUN/pgbench.txt" | grep -E "latency average|tps ="
echo "== wrk GET /api/v1/quiz/{id}: $CONNS connections, ${DURATION}s"
wrk -t2 -c "$CONNS" -d "${DURATION}s" --latency -H "Authorization: Bearer $BENCH_TOKEN" "$url" | tee "$RUN/wrk.txt" |
	grep -E "Requests/sec|Latency  |50%|90%|99%|Non-2xx"

tps=$(grep -E "^tps =" "$RUN/pgbench.txt" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
rps=$(grep "Requests/sec" "$RUN/wrk.txt" | awk '{print $2}')
p99=$(grep -E "^ +99%" "$RUN/wrk.txt" | awk '{print $2}')
echo "== summary"
printf 'pgbench tps %s, API requests/s %s, ratio %.2f (goal >= 0.5), API p99 %s (goal < 20ms)\n' \
	"$tps" "$rps" "$(echo "$rps / $tps" | bc -l)" "$p99"

# The polled read: revalidation of the small and the 1 MB quiz.
etag_of() {
	curl -s -D - -o /dev/null -H "Authorization: Bearer $BENCH_TOKEN" "$1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}
size_of() { # $1 url, $2 Accept-Encoding
	curl -s -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $BENCH_TOKEN" -H "Accept-Encoding: $2" "$1"
}
big_url="http://127.0.0.1:$BENCH_PORT/api/v1/quiz/$BENCH_BIG_QUIZ_ID"
declare -A polled
for which in small big; do
	u=$url
	[[ $which == big ]] && u=$big_url
	tag=$(etag_of "$u")
	[[ -n $tag ]] || { echo "GET $u sent no ETag" >&2; exit 1; }
	echo "== wrk GET /api/v1/quiz/{id} ($which quiz) with If-None-Match: $CONNS connections, ${DURATION}s"
	wrk -t2 -c "$CONNS" -d "${DURATION}s" --latency -H "Authorization: Bearer $BENCH_TOKEN" -H "If-None-Match: $tag" "$u" |
		tee "$RUN/wrk-$which.txt" | grep -E "Requests/sec|Latency  |99%|Non-2xx"
	polled[$which]=$(grep "Requests/sec" "$RUN/wrk-$which.txt" | awk '{print $2}')
	printf '%s quiz: response %s bytes, %s gzip-compressed, 304 revalidation 0 bytes\n' \
		"$which" "$(size_of "$u" identity)" "$(size_of "$u" gzip)"
done
printf 'polled GET /quiz/{id}: small %s requests/s, 1 MB %s requests/s, ratio %.2f (goal <= 1.5)\n' \
	"${polled[small]}" "${polled[big]}" "$(echo "${polled[small]} / ${polled[big]}" | bc -l)"
