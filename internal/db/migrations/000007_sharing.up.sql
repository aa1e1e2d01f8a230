-- Sharing a quiz (README, Sharing): the owner's invite links and the
-- collaborators who accepted one. Both go with their quiz and with their
-- user (ON DELETE CASCADE), so deleting a quiz, or a user who shared
-- quizzes, created invites or collaborates, deletes these rows too.

CREATE TABLE quizcollaborator (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    quiz_id    uuid        NOT NULL REFERENCES quiz (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_quiz_collaborator UNIQUE (quiz_id, user_id)
);
-- The quiz list reads the quizzes shared with a user; the unique
-- constraint's index serves the access check (quiz_id, user_id).
CREATE INDEX ix_quizcollaborator_user_id ON quizcollaborator (user_id, quiz_id);

CREATE TABLE quizinvite (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    quiz_id       uuid        NOT NULL REFERENCES quiz (id) ON DELETE CASCADE,
    -- 43 URL-safe characters (32 random bytes).
    token         varchar(64) NOT NULL CHECK (length(token) >= 32),
    created_by_id uuid        NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    max_uses      integer     CHECK (max_uses BETWEEN 1 AND 100),
    use_count     integer     NOT NULL DEFAULT 0 CHECK (use_count >= 0),
    is_revoked    boolean     NOT NULL DEFAULT false,
    -- When a newer invite replaced this one after it had expired or been
    -- used up (it still answers "expired" or "used up", not "revoked").
    retired_at    timestamptz,
    CONSTRAINT uq_quiz_invite_token UNIQUE (token)
);
-- At most one live invite per quiz: creating one first retires the quiz's
-- invites that expired or were used up, so two creations at the same time
-- cannot both succeed.
CREATE UNIQUE INDEX uq_quizinvite_live ON quizinvite (quiz_id) WHERE NOT is_revoked AND retired_at IS NULL;
CREATE INDEX ix_quizinvite_quiz_id ON quizinvite (quiz_id);
CREATE INDEX ix_quizinvite_created_by_id ON quizinvite (created_by_id);
