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

-- name: LockQuizQuestion :one
-- The question of any type to edit, locked until the edit is written.
SELECT *
FROM question
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted
FOR UPDATE;

-- name: EditQuestion :one
-- Writes an edit: the normalized data, difficulty and tags, with the edit
-- log's new entries appended.
UPDATE question
SET question_data = @question_data, difficulty = sqlc.narg(difficulty), tags = @tags,
    edit_log = edit_log || @edits::jsonb, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: ApproveQuizQuestion :one
-- Approves a question of any type (again: approved_at is refreshed).
UPDATE question
SET is_approved = true, approved_at = now(), updated_at = now()
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted
RETURNING *;
