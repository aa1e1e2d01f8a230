-- name: LiveQuestionStats :one
-- Today's question stats (README, Question types): the quiz's questions
-- that are not deleted, of every type, and the approved ones.
SELECT count(*)::int AS total, (count(*) FILTER (WHERE is_approved))::int AS approved
FROM question
WHERE quiz_id = @quiz_id AND NOT deleted;
