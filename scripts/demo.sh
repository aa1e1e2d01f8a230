#!/usr/bin/env bash
# make demo: the whole flow against a running `make dev` (started if it is
# not running): sign in through the fake Canvas, create a quiz over three
# modules through /api/v1, wait for extraction and generation, approve every
# question, export, and print a short report; then the same through today's
# routes at the root for a quiz with one batch of each of the six question
# types over two modules, and a Norwegian one, printing per type the
# questions generated and the items the fake Canvas accepted.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
API=${API:-http://localhost:8080/api/v1}
CANVAS=${CANVAS:-http://localhost:8001}
COUNT=${COUNT:-20}
command -v jq >/dev/null 2>&1 || { echo "installing jq" >&2; ${SUDO:-} apt-get install -y -qq jq >/dev/null; }

if ! curl -fsS -o /dev/null "$API/utils/health-check/" 2>/dev/null; then
	echo "== starting the dev stack (make dev)"
	make --no-print-directory dev >/dev/null
fi
now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$2 - $1" | bc -l)"; }
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT

echo "== signing in through the fake Canvas"
authorize=$(curl -fsS -c "$jar" -o /dev/null -w '%{redirect_url}' "$API/auth/login/canvas")
callback=$(curl -fsS -o /dev/null -w '%{redirect_url}' "${authorize/\/login\/oauth2\/auth?//login/oauth2/authorize?}&action=authorize")
success=$(curl -fsS -b "$jar" -o /dev/null -w '%{redirect_url}' "$callback")
TOKEN=${success#*token=}
[[ $success == *"/login/success?token="* ]] || { echo "sign-in failed: $success" >&2; exit 1; }
auth=(-H "Authorization: Bearer $TOKEN")
echo "   signed in as: $(curl -fsS "${auth[@]}" "$API/users/me" | jq -r .name)"

echo "== creating a quiz over three modules of course 37823 ($COUNT questions)"
t0=$(now)
quiz=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' "$API/quiz/" -d "{
  \"canvas_course_id\": 37823, \"canvas_course_name\": \"INF-2600 AI Methods and applications\",
  \"selected_modules\": {\"173574\": \"Search\", \"173468\": \"Constraint Satisfaction Problems\", \"173469\": \"Sheduling and Adversarial Search\"},
  \"title\": \"Demo quiz\", \"question_count\": $COUNT}")
id=$(jq -r .id <<<"$quiz")
echo "   quiz $id"

wait_for() { # field value timeout
	local i state
	for ((i = 0; i < $3 * 10; i++)); do
		state=$(curl -fsS "${auth[@]}" "$API/quiz/$id" | jq -r ".$1")
		[[ $state == "$2" ]] && return 0
		if [[ $state == failed ]]; then
			echo "   $1 failed: $(curl -fsS "${auth[@]}" "$API/quiz/$id" | jq -r .failure_reason)" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "   timed out waiting for $1 = $2 (now $state)" >&2
	exit 1
}
wait_for content_extraction_status completed 120
t1=$(now)
wait_for llm_generation_status completed 300
t2=$(now)
stats=$(curl -fsS "${auth[@]}" "$API/quiz/$id/questions/stats")
echo "   extracted in $(secs "$t0" "$t1") s, generated $(jq .total <<<"$stats") questions in $(secs "$t1" "$t2") s"

echo "== approving every question"
for q in $(curl -fsS "${auth[@]}" "$API/quiz/$id/questions" | jq -r '.[].id'); do
	curl -fsS -X PUT "${auth[@]}" "$API/quiz/$id/questions/$q/approve" -o /dev/null
done
t3=$(now)
echo "   approved $(curl -fsS "${auth[@]}" "$API/quiz/$id/questions/stats" | jq .approved) in $(secs "$t2" "$t3") s"

echo "== exporting to Canvas"
curl -fsS -X POST "${auth[@]}" "$API/quiz/$id/export" | jq -r .message
wait_for export_status completed 120
t4=$(now)
canvas_quiz=$(curl -fsS "${auth[@]}" "$API/quiz/$id" | jq -r .canvas_quiz_id)
items=$(curl -fsS "${auth[@]}" "$API/quiz/$id/questions" | jq '[.[] | select(.canvas_item_id != null)] | length')
echo "   exported in $(secs "$t3" "$t4") s"

echo
echo "== report"
printf '  %-28s %s\n' "quiz" "$id"
printf '  %-28s %s\n' "questions generated" "$(jq .total <<<"$stats")"
printf '  %-28s %s s\n' "extraction" "$(secs "$t0" "$t1")"
printf '  %-28s %s s\n' "generation" "$(secs "$t1" "$t2")"
printf '  %-28s %s s\n' "approval" "$(secs "$t2" "$t3")"
printf '  %-28s %s s\n' "export" "$(secs "$t3" "$t4")"
printf '  %-28s %s\n' "Canvas quiz id" "$canvas_quiz"
printf '  %-28s %s\n' "questions with a Canvas item" "$items"
# What the fake Canvas itself received (its dev token, see scripts/dev.sh).
received=$(curl -fsS -H "Authorization: Bearer dev-canvas-token" "$CANVAS/api/quiz/v1/courses/37823/quizzes/$canvas_quiz/items?per_page=100")
printf '  %-28s %s\n' "items the fake Canvas got" "$(jq length <<<"$received")"
printf '  %-28s %s\n' "first item's body" "$(jq -r '.[0].entry.item_body' <<<"$received" | cut -c1-100)"

# ---- today's model: typed batches through the routes at the root ----------
ROOT=${API%/api/v1}

# typed_quiz TITLE LANGUAGE SELECTED_MODULES_JSON: creates a quiz, waits for
# its questions, approves them, exports, and prints per type what was
# generated and what the fake Canvas accepted.
typed_quiz() {
	local title=$1 lang=$2 mods=$3 tq tid state i
	tq=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' "$ROOT/quiz/" -d "{
	  \"canvas_course_id\": 37823, \"canvas_course_name\": \"INF-2600 AI Methods and applications\",
	  \"selected_modules\": $mods, \"title\": \"$title\", \"language\": \"$lang\"}")
	tid=$(jq -r .id <<<"$tq")
	echo "   quiz $tid ($lang)"
	for ((i = 0; i < 3000; i++)); do
		state=$(curl -fsS "${auth[@]}" "$ROOT/quiz/$tid" | jq -r .status)
		[[ $state == ready_for_review* || $state == failed ]] && break
		sleep 0.1
	done
	[[ $state == ready_for_review ]] || { echo "   generation ended $state: $(curl -fsS "${auth[@]}" "$ROOT/quiz/$tid" | jq -c .failure_reason)" >&2; exit 1; }
	local qs
	qs=$(curl -fsS "${auth[@]}" "$ROOT/questions/$tid")
	for q in $(jq -r '.[].id' <<<"$qs"); do
		curl -fsS -X PUT "${auth[@]}" "$ROOT/questions/$tid/$q/approve" -o /dev/null
	done
	curl -fsS -X POST "${auth[@]}" "$ROOT/quiz/$tid/export" -o /dev/null
	for ((i = 0; i < 1200; i++)); do
		state=$(curl -fsS "${auth[@]}" "$ROOT/quiz/$tid" | jq -r .status)
		[[ $state == published || $state == failed ]] && break
		sleep 0.1
	done
	[[ $state == published ]] || { echo "   export ended $state: $(curl -fsS "${auth[@]}" "$ROOT/quiz/$tid" | jq -c .failure_reason)" >&2; exit 1; }
	local cq items
	cq=$(curl -fsS "${auth[@]}" "$ROOT/quiz/$tid" | jq -r .canvas_quiz_id)
	items=$(curl -fsS -H "Authorization: Bearer dev-canvas-token" "$CANVAS/api/quiz/v1/courses/37823/quizzes/$cq/items?per_page=100")
	printf '   %-16s %9s %9s  %s\n' "type" "generated" "accepted" "interaction_type_slug"
	for t in multiple_choice multiple_answer true_false fill_in_blank matching categorization; do
		local n ids slugs
		n=$(jq --arg t "$t" '[.[] | select(.question_type == $t)] | length' <<<"$qs")
		((n > 0)) || continue
		ids=$(jq -c --arg t "$t" '[.[] | select(.question_type == $t) | .id]' <<<"$qs")
		slugs=$(jq -r --argjson ids "$ids" '[.[] | select((.entry.title // "") as $x | any($ids[]; . as $id | $x | contains($id))) | .entry.interaction_type_slug] | unique | join(",")' <<<"$items")
		printf '   %-16s %9s %9s  %s\n' "$t" "$n" \
			"$(jq --argjson ids "$ids" '[.[] | select((.entry.title // "") as $x | any($ids[]; . as $id | $x | contains($id)))] | length' <<<"$items")" "$slugs"
	done
}

echo
echo "== today's model: two modules, one batch of each of the six types"
typed_quiz "Demo quiz, six types" en '{
  "173468": {"name": "Constraint Satisfaction Problems", "source_type": "canvas", "question_batches": [
    {"question_type": "multiple_choice", "count": 3, "difficulty": "easy"},
    {"question_type": "multiple_answer", "count": 2, "difficulty": "medium"},
    {"question_type": "true_false", "count": 3, "difficulty": "medium"}]},
  "173574": {"name": "Search", "source_type": "canvas", "question_batches": [
    {"question_type": "fill_in_blank", "count": 2, "difficulty": "medium"},
    {"question_type": "matching", "count": 2, "difficulty": "hard"},
    {"question_type": "categorization", "count": 2, "difficulty": "medium"}]}}'
echo "== today's model in Norwegian: one module, multiple choice and true/false"
typed_quiz "Demoquiz på norsk" no '{
  "173469": {"name": "Sheduling and Adversarial Search", "source_type": "canvas", "question_batches": [
    {"question_type": "multiple_choice", "count": 3, "difficulty": "medium"},
    {"question_type": "true_false", "count": 2, "difficulty": "easy"}]}}'
