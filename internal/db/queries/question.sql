-- name: InsertQuestion :one
-- Questions (README, Question types). question_data is the canonical JSON
-- of the question's type; the store normalizes it before every write. The
-- v1 statements (ListV1Questions, V1QuestionStats, GetV1Question and the
-- edits) see only multiple_choice questions that are not deleted: v1 knows
-- no other type and no soft delete.
INSERT INTO question (id, quiz_id, question_type, question_data, difficulty, tags, module_id, generation_job_id)
VALUES (@id, @quiz_id, @question_type, @question_data, sqlc.narg(difficulty), @tags, sqlc.narg(module_id),
        sqlc.narg(generation_job_id))
RETURNING *;

-- name: ListV1Questions :many
SELECT *
FROM question
WHERE quiz_id = @quiz_id AND question_type = 'multiple_choice' AND NOT deleted
ORDER BY created_at, id;

-- name: ListQuestions :many
-- Every question of the quiz that is not deleted, of every type.
SELECT *
FROM question
WHERE quiz_id = @quiz_id AND NOT deleted
ORDER BY created_at, id;

-- name: V1QuestionStats :one
SELECT count(*)::int AS total, (count(*) FILTER (WHERE is_approved))::int AS approved
FROM question
WHERE quiz_id = @quiz_id AND question_type = 'multiple_choice' AND NOT deleted;

-- name: GetV1Question :one
SELECT *
FROM question
WHERE id = @id AND question_type = 'multiple_choice' AND NOT deleted;

-- name: LockV1Question :one
-- The question to edit, locked until the edit is written.
SELECT *
FROM question
WHERE id = @id AND quiz_id = @quiz_id AND question_type = 'multiple_choice' AND NOT deleted
FOR UPDATE;

-- name: SetQuestionData :one
-- Writes an edit's normalized data.
UPDATE question
SET question_data = @question_data, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: ApproveV1Question :one
UPDATE question
SET is_approved = true, approved_at = now(), updated_at = now()
WHERE id = @id AND quiz_id = @quiz_id AND question_type = 'multiple_choice' AND NOT deleted
RETURNING *;

-- name: DeleteV1Question :execrows
-- v1's delete removes the row, as it always did (v1 has no rejection
-- reason to keep).
DELETE FROM question
WHERE id = @id AND quiz_id = @quiz_id AND question_type = 'multiple_choice' AND NOT deleted;

-- name: ListQuestionsPage :many
-- Today's question list (README, Question types): the quiz's questions that
-- are not deleted, of one type or all (question_type NULL), approved only
-- or all, one page (max_rows NULL: every row) in creation order.
SELECT *
FROM question
WHERE quiz_id = @quiz_id AND NOT deleted
  AND (sqlc.narg(question_type)::text IS NULL OR question_type = sqlc.narg(question_type)::text)
  AND (NOT @approved_only::boolean OR is_approved)
ORDER BY created_at, id
LIMIT sqlc.narg(max_rows)::bigint OFFSET @skip::bigint;

-- name: GetQuizQuestion :one
-- A question of any type of the quiz, not deleted.
SELECT *
FROM question
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted;

-- name: EditQuestionOnce :one
-- Writes an edit in one statement, outside a transaction (README, Database
-- connections): the normalized data (NULL keeps it), difficulty
-- (set_difficulty), tags (NULL keeps them), and an edit log entry {field,
-- old_value, new_value, op} for each top-level field of the data whose
-- value changes (a field one side lacks is null there), in field name
-- order. It applies at most once per op: a run again after a lost answer
-- finds its entries in the log and changes nothing (QuestionEditedBy then
-- reads the row). An edit that changes no field of the data logs nothing
-- and sets what it sets again.
UPDATE question q
SET question_data = COALESCE(sqlc.narg(question_data)::jsonb, q.question_data),
    difficulty = CASE WHEN @set_difficulty::boolean THEN sqlc.narg(difficulty)::text ELSE q.difficulty END,
    tags = COALESCE(sqlc.narg(tags)::jsonb, q.tags),
    edit_log = q.edit_log || COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'field', f.k,
                   'old_value', COALESCE(q.question_data -> f.k, 'null'::jsonb),
                   'new_value', COALESCE(sqlc.narg(question_data)::jsonb -> f.k, 'null'::jsonb),
                   'op', @op::text)
               ORDER BY f.k COLLATE "C")
        FROM (SELECT jsonb_object_keys(q.question_data)
              UNION SELECT jsonb_object_keys(sqlc.narg(question_data)::jsonb)) AS f (k)
        WHERE sqlc.narg(question_data)::jsonb IS NOT NULL
          AND COALESCE(q.question_data -> f.k, 'null'::jsonb)
              IS DISTINCT FROM COALESCE(sqlc.narg(question_data)::jsonb -> f.k, 'null'::jsonb)
    ), '[]'::jsonb),
    updated_at = now()
WHERE q.id = @id AND q.quiz_id = @quiz_id AND NOT q.deleted
  AND NOT q.edit_log @> jsonb_build_array(jsonb_build_object('op', @op::text))
RETURNING *;

-- name: QuestionEditedBy :one
-- The question of the quiz, not deleted, if its edit log holds op's
-- entries (EditQuestionOnce ran for op).
SELECT *
FROM question
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted
  AND edit_log @> jsonb_build_array(jsonb_build_object('op', @op::text));

-- name: ApproveQuizQuestion :one
-- Approves a question of any type (again: approved_at is refreshed).
UPDATE question
SET is_approved = true, approved_at = now(), updated_at = now()
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted
RETURNING *;
