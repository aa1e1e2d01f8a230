-- name: LiveQuestionStats :one
-- Today's question stats (README, Question types): the quiz's questions
-- that are not deleted, of every type, and the approved ones.
SELECT count(*)::int AS total, (count(*) FILTER (WHERE is_approved))::int AS approved
FROM question
WHERE quiz_id = @quiz_id AND NOT deleted;

-- name: LiveQuestionCounts :many
-- Today's question_count once a generation finished (README, Question
-- types): the questions not deleted, of every type, of each quiz listed
-- (ids as text: in exec mode pgx cannot encode a uuid array).
SELECT quiz_id, count(*)::int AS live
FROM question
WHERE quiz_id = ANY(CAST(@quiz_ids::text[] AS uuid[])) AND NOT deleted
GROUP BY quiz_id;

-- name: UpdateQuizSettings :one
-- Today's PATCH /quiz/{id}: each setting given replaces the stored one
-- (NULL keeps it); only the owner's quiz changes.
UPDATE quiz
SET title = COALESCE(sqlc.narg(title)::varchar, title),
    llm_model = COALESCE(sqlc.narg(llm_model)::varchar, llm_model),
    llm_temperature = COALESCE(sqlc.narg(llm_temperature)::float8, llm_temperature),
    language = COALESCE(sqlc.narg(language)::text, language),
    updated_at = now()
WHERE id = @id AND owner_id = @owner_id
RETURNING *;
