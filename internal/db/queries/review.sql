-- name: InsertManualQuestion :one
-- Today's review tools (README, Question types): a question the teacher
-- wrote, of any type, with no source module and no generation job; its
-- data normalized by the store first. No row when the quiz is gone (deleted
-- since the access check).
INSERT INTO question (id, quiz_id, question_type, question_data, difficulty, tags)
SELECT @id, quiz.id, @question_type, @question_data, sqlc.narg(difficulty), @tags
FROM quiz
WHERE quiz.id = @quiz_id
RETURNING *;

-- name: SoftDeleteQuestion :execrows
-- Deletes a live question of the quiz, keeping the row with the reason and
-- feedback given (both NULL when none was given, replacing what an export
-- refusal recorded); a deleted question is in no list, count or export.
UPDATE question
SET deleted = true, deleted_at = now(), updated_at = now(),
    rejection_reason = sqlc.narg(rejection_reason), rejection_feedback = sqlc.narg(rejection_feedback)
WHERE id = @id AND quiz_id = @quiz_id AND NOT deleted;

-- name: BulkApproveQuestions :many
-- Approves the quiz's live questions among ids (again for those already
-- approved: approved_at is refreshed) and returns the ids it approved. The
-- ids go as text: behind a pooler pgx sends parameters untyped, and it
-- cannot encode a []uuid.UUID without the type.
UPDATE question
SET is_approved = true, approved_at = now(), updated_at = now()
WHERE quiz_id = @quiz_id AND id = ANY(CAST(@ids::text[] AS uuid[])) AND NOT deleted
RETURNING id;

-- name: BulkSoftDeleteQuestions :many
-- Soft-deletes the quiz's live questions among ids with one reason and
-- feedback for all of them, and returns the ids it deleted.
UPDATE question
SET deleted = true, deleted_at = now(), updated_at = now(),
    rejection_reason = sqlc.narg(rejection_reason), rejection_feedback = sqlc.narg(rejection_feedback)
WHERE quiz_id = @quiz_id AND id = ANY(CAST(@ids::text[] AS uuid[])) AND NOT deleted
RETURNING id;
