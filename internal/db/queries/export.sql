-- name: ListApprovedQuestions :many
-- The questions an export sends (README, Export): approved and not
-- deleted, of every type, in export order.
SELECT *
FROM question
WHERE quiz_id = @quiz_id AND is_approved AND NOT deleted
ORDER BY created_at, id;

-- name: RefuseExportQuestion :execrows
-- Leaves a question Canvas refused unapproved, for the teacher to fix, if
-- job_id holds the export (no row otherwise).
UPDATE question
SET is_approved = false, approved_at = NULL, updated_at = now()
WHERE question.id = @question_id AND question.quiz_id = @quiz_id AND EXISTS (
    SELECT 1 FROM quiz
    WHERE quiz.id = @quiz_id AND export_job_id = @job_id::uuid AND export_status = 'processing');
