-- Sharing a quiz (README, Sharing). An invite is active while it is not
-- revoked, not expired and not used up; at most one per quiz is live in
-- the database (uq_quizinvite_live), and creating one first retires those
-- that expired or were used up.

-- name: RetireStaleInvites :exec
UPDATE quizinvite
SET retired_at = @now::timestamptz
WHERE quiz_id = @quiz_id AND NOT is_revoked AND retired_at IS NULL
  AND ((expires_at IS NOT NULL AND expires_at <= @now::timestamptz)
       OR (max_uses IS NOT NULL AND use_count >= max_uses));

-- name: InsertInvite :one
-- No row when the quiz already has a live invite.
INSERT INTO quizinvite (id, quiz_id, token, created_by_id, created_at, expires_at, max_uses)
VALUES (@id, @quiz_id, @token, @created_by_id, @created_at, @expires_at, @max_uses)
ON CONFLICT (quiz_id) WHERE NOT is_revoked AND retired_at IS NULL DO NOTHING
RETURNING id, quiz_id, token, created_by_id, created_at, expires_at, max_uses, use_count, is_revoked;

-- name: ActiveInvites :many
SELECT id, quiz_id, token, created_by_id, created_at, expires_at, max_uses, use_count, is_revoked
FROM quizinvite
WHERE quiz_id = @quiz_id AND NOT is_revoked AND retired_at IS NULL
  AND (expires_at IS NULL OR expires_at > @now::timestamptz)
  AND (max_uses IS NULL OR use_count < max_uses)
ORDER BY created_at, id;

-- name: RevokeInvite :execrows
UPDATE quizinvite SET is_revoked = true WHERE id = @id AND quiz_id = @quiz_id;

-- name: QuizCollaborators :many
SELECT c.id, c.user_id, u.name AS user_name, c.created_at
FROM quizcollaborator c JOIN "user" u ON u.id = c.user_id
WHERE c.quiz_id = @quiz_id
ORDER BY c.created_at, c.id;

-- name: DeleteCollaborator :execrows
DELETE FROM quizcollaborator WHERE id = @id AND quiz_id = @quiz_id;

-- name: IsCollaborator :one
SELECT EXISTS (SELECT 1 FROM quizcollaborator WHERE quiz_id = @quiz_id AND user_id = @user_id);

-- name: InvitePreview :one
-- The invite of token with its quiz's title and owner's name.
SELECT i.id, i.quiz_id, i.token, i.created_by_id, i.created_at, i.expires_at, i.max_uses, i.use_count, i.is_revoked,
       q.title AS quiz_title, q.owner_id, u.name AS owner_name
FROM quizinvite i
JOIN quiz q ON q.id = i.quiz_id
JOIN "user" u ON u.id = q.owner_id
WHERE i.token = @token;

-- name: LockInvite :one
-- The invite of token under its row lock (accepting it), with its quiz.
SELECT i.id, i.quiz_id, i.token, i.created_by_id, i.created_at, i.expires_at, i.max_uses, i.use_count, i.is_revoked,
       q.title AS quiz_title, q.owner_id
FROM quizinvite i
JOIN quiz q ON q.id = i.quiz_id
WHERE i.token = @token
FOR UPDATE OF i;

-- name: AddCollaborator :execrows
INSERT INTO quizcollaborator (id, quiz_id, user_id, created_at)
VALUES (@id, @quiz_id, @user_id, @created_at)
ON CONFLICT (quiz_id, user_id) DO NOTHING;

-- name: CountInviteUse :exec
UPDATE quizinvite SET use_count = use_count + 1 WHERE id = @id;
