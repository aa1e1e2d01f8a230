-- name: ListApprovedQuestions :many
-- The questions an export sends (README, Export): approved and not
-- deleted, of every type, in export order.
SELECT *
FROM question
WHERE quiz_id = @quiz_id AND is_approved AND NOT deleted
ORDER BY created_at, id;

-- name: RefuseExportQuestion :execrows
-- Leaves a question Canvas refused (or whose data its type refuses)
-- unapproved, for the teacher to fix, and records why in the same write
-- (rejection_reason and rejection_feedback), if job_id holds the export
-- (no row otherwise).
UPDATE question
SET is_approved = false, approved_at = NULL, rejection_reason = @reason::text,
    rejection_feedback = @feedback::text, updated_at = now()
WHERE question.id = @question_id AND question.quiz_id = @quiz_id AND EXISTS (
    SELECT 1 FROM quiz
    WHERE quiz.id = @quiz_id AND export_job_id = @job_id::uuid AND export_status = 'processing');

-- name: ListExportRefusals :many
-- The questions an export refused and left unapproved (rejection_reason
-- one of reasons) that are still unapproved and not deleted, with their
-- position among the quiz's questions that are not deleted (the order the
-- teacher reviews them in).
SELECT id, question_type, rejection_reason::text AS reason,
    COALESCE(rejection_feedback, '')::text AS feedback, position::int AS position
FROM (
    SELECT id, question_type, rejection_reason, rejection_feedback, is_approved,
        row_number() OVER (ORDER BY created_at, id) AS position
    FROM question
    WHERE quiz_id = @quiz_id AND NOT deleted
) AS listed
WHERE NOT is_approved AND rejection_reason = ANY(@reasons::text[])
ORDER BY position;

-- name: CountApprovedQuestions :one
-- The questions an export would send: approved and not deleted, of every
-- type.
SELECT count(*)::int
FROM question
WHERE quiz_id = @quiz_id AND is_approved AND NOT deleted;
