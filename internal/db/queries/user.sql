-- name: UpsertUser :one
-- Sign-in: create the user, or replace the Canvas tokens of an existing one.
INSERT INTO "user" (id, canvas_id, name, access_token, refresh_token, expires_at)
VALUES (@id, @canvas_id, @name, @access_token, @refresh_token, @expires_at)
ON CONFLICT (canvas_id) DO UPDATE
SET access_token  = EXCLUDED.access_token,
    refresh_token = EXCLUDED.refresh_token,
    expires_at    = EXCLUDED.expires_at,
    updated_at    = now()
RETURNING id, canvas_id, name, created_at, updated_at, access_token, refresh_token,
          expires_at, token_type, onboarding_completed, session_version;

-- name: GetUser :one
SELECT id, canvas_id, name, created_at, updated_at, access_token, refresh_token,
       expires_at, token_type, onboarding_completed, session_version
FROM "user"
WHERE id = @id;

-- name: GetUserByCanvasID :one
SELECT id, canvas_id, name, created_at, updated_at, access_token, refresh_token,
       expires_at, token_type, onboarding_completed, session_version
FROM "user"
WHERE canvas_id = @canvas_id;

-- name: UpdateUserTokens :execrows
UPDATE "user"
SET access_token  = @access_token,
    refresh_token = @refresh_token,
    expires_at    = @expires_at,
    updated_at    = now()
WHERE id = @id;

-- name: DeleteUser :execrows
DELETE FROM "user" WHERE id = @id;
