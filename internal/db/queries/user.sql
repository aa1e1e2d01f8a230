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

-- name: ClearUserTokens :execrows
-- A refresh Canvas refused: forget the tokens, but only if they are still
-- the ones refused (a concurrent refresh may have stored new ones).
UPDATE "user"
SET access_token = '', refresh_token = '', expires_at = NULL, updated_at = now()
WHERE id = @id AND refresh_token = @refresh_token;

-- name: DeleteUser :execrows
DELETE FROM "user" WHERE id = @id;

-- name: UpdateUserProfile :one
UPDATE "user"
SET name = CASE WHEN @set_name::boolean THEN sqlc.narg(name) ELSE name END,
    onboarding_completed = CASE WHEN @set_onboarding::boolean THEN @onboarding_completed::boolean ELSE onboarding_completed END,
    updated_at = now()
WHERE id = @id
RETURNING id, canvas_id, name, created_at, updated_at, access_token, refresh_token,
          expires_at, token_type, onboarding_completed, session_version;

-- name: EndSession :execrows
-- Logout: forget the Canvas tokens and invalidate every app token issued so far.
UPDATE "user"
SET access_token = '', refresh_token = '', expires_at = NULL,
    session_version = session_version + 1, updated_at = now()
WHERE id = @id;

-- name: UseOAuthState :execrows
-- A login state's nonce, remembered once used (not when the login starts,
-- which anyone can do without signing in): 0 rows means already used.
INSERT INTO oauth_state (nonce, expires_at) VALUES (@nonce, @expires_at)
ON CONFLICT (nonce) DO NOTHING;

-- name: DeleteExpiredOAuthStates :execrows
DELETE FROM oauth_state WHERE expires_at < now() - interval '1 hour';
