-- Which job may work on each stage: the API stamps a new job id when it
-- queues a job and puts the same id in the message, so a stale or
-- duplicated message (a double click, an SQS redelivery after the work was
-- done) finds another id and does nothing.
ALTER TABLE quiz
    ADD COLUMN content_extraction_job_id uuid,
    ADD COLUMN llm_generation_job_id     uuid,
    ADD COLUMN export_job_id             uuid;

-- Logout makes the user's existing app tokens invalid: tokens carry the
-- session version they were issued under, and logout increments it.
ALTER TABLE "user"
    ADD COLUMN session_version integer NOT NULL DEFAULT 0;

-- OAuth login states, used once: the callback deletes the row, so a
-- replayed callback finds nothing.
CREATE TABLE oauth_state (
    nonce      text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ix_oauth_state_expires_at ON oauth_state (expires_at);
