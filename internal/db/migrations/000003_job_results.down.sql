DROP INDEX IF EXISTS ix_question_generation_job_id;
ALTER TABLE question DROP COLUMN IF EXISTS generation_job_id;
ALTER TABLE quiz DROP COLUMN IF EXISTS failure_reason;
