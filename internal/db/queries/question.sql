-- name: InsertQuestion :one
INSERT INTO question (id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer)
VALUES (@id, @quiz_id, @question_text, @option_a, @option_b, @option_c, @option_d, @correct_answer)
RETURNING id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
          is_approved, approved_at, created_at, updated_at, canvas_item_id;

-- name: ListQuestions :many
SELECT id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
       is_approved, approved_at, created_at, updated_at, canvas_item_id
FROM question
WHERE quiz_id = @quiz_id
ORDER BY created_at, id;

-- name: QuestionStats :one
SELECT count(*)::int AS total, (count(*) FILTER (WHERE is_approved))::int AS approved
FROM question
WHERE quiz_id = @quiz_id;
