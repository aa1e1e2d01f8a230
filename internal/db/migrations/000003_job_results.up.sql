-- Why a stage failed, shown to the user (the later versions of the
-- original had a failure_reason too).
ALTER TABLE quiz ADD COLUMN failure_reason text;

-- Which generation job wrote a question: a redelivered job counts what it
-- already saved and continues from there instead of writing them again.
ALTER TABLE question ADD COLUMN generation_job_id uuid;
CREATE INDEX ix_question_generation_job_id ON question (quiz_id, generation_job_id);
