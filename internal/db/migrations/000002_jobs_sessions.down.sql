DROP TABLE IF EXISTS oauth_state;
ALTER TABLE "user" DROP COLUMN IF EXISTS session_version;
ALTER TABLE quiz
    DROP COLUMN IF EXISTS content_extraction_job_id,
    DROP COLUMN IF EXISTS llm_generation_job_id,
    DROP COLUMN IF EXISTS export_job_id;
