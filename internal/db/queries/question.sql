-- name: InsertQuestion :one
INSERT INTO question (id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer, generation_job_id)
VALUES (@id, @quiz_id, @question_text, @option_a, @option_b, @option_c, @option_d, @correct_answer, sqlc.narg(generation_job_id))
RETURNING id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
          is_approved, approved_at, created_at, updated_at, canvas_item_id, generation_job_id;

-- name: ListQuestions :many
SELECT id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
       is_approved, approved_at, created_at, updated_at, canvas_item_id, generation_job_id
FROM question
WHERE quiz_id = @quiz_id
ORDER BY created_at, id;

-- name: QuestionStats :one
SELECT count(*)::int AS total, (count(*) FILTER (WHERE is_approved))::int AS approved
FROM question
WHERE quiz_id = @quiz_id;

-- name: GetQuestion :one
SELECT id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
       is_approved, approved_at, created_at, updated_at, canvas_item_id, generation_job_id
FROM question
WHERE id = @id;

-- name: UpdateQuestion :one
UPDATE question
SET question_text  = coalesce(sqlc.narg(question_text), question_text),
    option_a       = coalesce(sqlc.narg(option_a), option_a),
    option_b       = coalesce(sqlc.narg(option_b), option_b),
    option_c       = coalesce(sqlc.narg(option_c), option_c),
    option_d       = coalesce(sqlc.narg(option_d), option_d),
    correct_answer = coalesce(sqlc.narg(correct_answer), correct_answer),
    updated_at     = now()
WHERE id = @id AND quiz_id = @quiz_id
RETURNING id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
          is_approved, approved_at, created_at, updated_at, canvas_item_id, generation_job_id;

-- name: ApproveQuestion :one
UPDATE question
SET is_approved = true, approved_at = now(), updated_at = now()
WHERE id = @id AND quiz_id = @quiz_id
RETURNING id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
          is_approved, approved_at, created_at, updated_at, canvas_item_id, generation_job_id;

-- name: DeleteQuestion :execrows
DELETE FROM question WHERE id = @id AND quiz_id = @quiz_id;
