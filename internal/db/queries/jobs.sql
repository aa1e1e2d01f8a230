-- name: UpdateExtractionStatus :one
-- Job and stage statements. A stage's columns are fixed per statement
-- (sqlc cannot take a column name as a parameter), so each stage has its
-- own statement and the store picks it by stage.
--
-- Status moves (UpdateStatus, after GetQuizForUpdate locked the row):
-- moving to processing stamps <stage>_started_at (the lease); the other
-- moves leave it as the record of the last run. The job id changes only
-- when set_job_id; set_content also stores the extracted content (NULL:
-- none) and its time.
UPDATE quiz
SET content_extraction_status = @status::varchar,
    content_extraction_started_at = CASE WHEN @status::varchar = 'processing' THEN now()
                                         ELSE content_extraction_started_at END,
    content_extraction_job_id = CASE WHEN @set_job_id::boolean THEN sqlc.narg(job_id)::uuid
                                     ELSE content_extraction_job_id END,
    extracted_content = CASE WHEN @set_content::boolean THEN sqlc.narg(content)::jsonb
                             ELSE extracted_content END,
    content_extracted_at = CASE WHEN @set_content::boolean THEN sqlc.narg(content_at)::timestamptz
                                ELSE content_extracted_at END,
    updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UpdateGenerationStatus :one
-- UpdateExtractionStatus for the generation.
UPDATE quiz
SET llm_generation_status = @status::varchar,
    llm_generation_started_at = CASE WHEN @status::varchar = 'processing' THEN now()
                                     ELSE llm_generation_started_at END,
    llm_generation_job_id = CASE WHEN @set_job_id::boolean THEN sqlc.narg(job_id)::uuid
                                 ELSE llm_generation_job_id END,
    updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UpdateExportStatus :one
-- UpdateExtractionStatus for the export.
UPDATE quiz
SET export_status = @status::varchar,
    export_started_at = CASE WHEN @status::varchar = 'processing' THEN now()
                             ELSE export_started_at END,
    export_job_id = CASE WHEN @set_job_id::boolean THEN sqlc.narg(job_id)::uuid
                         ELSE export_job_id END,
    updated_at = now()
WHERE id = @id
RETURNING *;

-- name: CompleteExtraction :execrows
-- Completes the stage if job_id holds it and it is processing (no row: the
-- job lost the stage meanwhile).
UPDATE quiz
SET content_extraction_status = 'completed', failure_reason = NULL, updated_at = now()
WHERE id = @id AND content_extraction_job_id = @job_id::uuid AND content_extraction_status = 'processing';

-- name: CompleteGeneration :execrows
-- CompleteExtraction for the generation.
UPDATE quiz
SET llm_generation_status = 'completed', failure_reason = NULL, updated_at = now()
WHERE id = @id AND llm_generation_job_id = @job_id::uuid AND llm_generation_status = 'processing';

-- name: CompleteExport :execrows
-- CompleteExtraction for the export, which also records when it ended.
UPDATE quiz
SET export_status = 'completed', failure_reason = NULL, updated_at = now(), exported_at = now()
WHERE id = @id AND export_job_id = @job_id::uuid AND export_status = 'processing';

-- name: FailExtraction :execrows
-- Fails the stage with reason if job_id still owns it (pending or
-- processing; no row otherwise).
UPDATE quiz
SET content_extraction_status = 'failed', failure_reason = @reason::text, updated_at = now()
WHERE id = @id AND content_extraction_job_id = @job_id::uuid
  AND content_extraction_status IN ('pending', 'processing');

-- name: FailGeneration :execrows
-- FailExtraction for the generation.
UPDATE quiz
SET llm_generation_status = 'failed', failure_reason = @reason::text, updated_at = now()
WHERE id = @id AND llm_generation_job_id = @job_id::uuid
  AND llm_generation_status IN ('pending', 'processing');

-- name: FailExport :execrows
-- FailExtraction for the export.
UPDATE quiz
SET export_status = 'failed', failure_reason = @reason::text, updated_at = now()
WHERE id = @id AND export_job_id = @job_id::uuid
  AND export_status IN ('pending', 'processing');

-- name: FinishExtraction :one
-- Completes the extraction held by job_id with its content, and queues the
-- generation for the same job unless a generation runs under a live lease;
-- chained says whether the generation went to this job.
UPDATE quiz
SET content_extraction_status = 'completed', extracted_content = sqlc.narg(content)::jsonb,
    content_extracted_at = now(), failure_reason = NULL, updated_at = now(),
    llm_generation_job_id = CASE WHEN llm_generation_status = 'processing'
        AND llm_generation_started_at > now() - @generate_lease::interval
        THEN llm_generation_job_id ELSE @job_id::uuid END,
    llm_generation_status = CASE WHEN llm_generation_status = 'processing'
        AND llm_generation_started_at > now() - @generate_lease::interval
        THEN llm_generation_status ELSE 'pending' END
WHERE id = @id AND content_extraction_job_id = @job_id::uuid AND content_extraction_status = 'processing'
RETURNING (llm_generation_job_id = @job_id::uuid)::boolean AS chained;

-- name: SetCanvasQuizID :execrows
-- Records the Canvas quiz of an export, if job_id holds the export.
UPDATE quiz
SET canvas_quiz_id = @canvas_quiz_id::text, updated_at = now()
WHERE id = @id AND export_job_id = @job_id::uuid AND export_status = 'processing';

-- name: SetCanvasItemID :execrows
-- Records the Canvas item of a question, if job_id holds the export. An
-- earlier refusal by export (canvas_refused, invalid_for_export) no longer
-- holds once Canvas took the question: it is cleared.
UPDATE question
SET canvas_item_id = @canvas_item_id::text,
    rejection_reason = CASE WHEN rejection_reason IN ('canvas_refused', 'invalid_for_export')
        THEN NULL ELSE rejection_reason END,
    rejection_feedback = CASE WHEN rejection_reason IN ('canvas_refused', 'invalid_for_export')
        THEN NULL ELSE rejection_feedback END
WHERE question.id = @question_id AND question.quiz_id = @quiz_id AND EXISTS (
    SELECT 1 FROM quiz
    WHERE quiz.id = @quiz_id AND export_job_id = @job_id::uuid AND export_status = 'processing');

-- name: LockUserNow :one
-- Generation limits: locks the user's row (one limit check at a time per user) and reads the
-- database clock.
SELECT now()::timestamptz AS now
FROM "user"
WHERE id = @id
FOR UPDATE;

-- name: UsageCounts :one
-- What owner started: questions on day, the other quizzes in progress
-- (quiz_id excluded; a stage is in progress when pending with a job queued
-- since less than pending_window, or processing under a live lease) and the
-- generation runs of quiz_id.
SELECT
    COALESCE((SELECT questions FROM usage_daily
              WHERE user_id = @owner_id AND day = @day::date), 0)::integer AS questions_today,
    (SELECT count(*) FROM quiz
     WHERE owner_id = @owner_id AND id IS DISTINCT FROM sqlc.narg(quiz_id)::uuid AND (
        (content_extraction_status = 'pending' AND content_extraction_job_id IS NOT NULL
            AND updated_at > now() - @pending_window::interval)
        OR (content_extraction_status = 'processing' AND content_extraction_started_at > now() - @lease::interval)
        OR (llm_generation_status = 'pending' AND llm_generation_job_id IS NOT NULL
            AND updated_at > now() - @pending_window::interval)
        OR (llm_generation_status = 'processing' AND llm_generation_started_at > now() - @lease::interval)))::bigint AS processing,
    COALESCE((SELECT generation_runs FROM quiz_usage
              WHERE quiz_usage.quiz_id = sqlc.narg(quiz_id)::uuid), 0)::integer AS runs;

-- name: ChargeRun :exec
-- Counts a generation run of quiz_id for owner_id: questions on day and one
-- run of the quiz; daily counts older than keep_days go. (sqlc.arg, not @:
-- sqlc v1.31.1 fails on @ parameters inside an INSERT of a WITH.)
WITH d AS (
    INSERT INTO usage_daily (user_id, day, questions)
    VALUES (sqlc.arg(owner_id)::uuid, sqlc.arg(day)::date, sqlc.arg(questions)::integer)
    ON CONFLICT (user_id, day) DO UPDATE SET questions = usage_daily.questions + EXCLUDED.questions),
r AS (
    INSERT INTO quiz_usage (quiz_id, generation_runs) VALUES (sqlc.arg(quiz_id)::uuid, 1)
    ON CONFLICT (quiz_id) DO UPDATE SET generation_runs = quiz_usage.generation_runs + 1)
DELETE FROM usage_daily
WHERE usage_daily.user_id = sqlc.arg(owner_id)
  AND usage_daily.day < sqlc.arg(day)::date - sqlc.arg(keep_days)::integer;

-- name: RefundRun :exec
-- Takes back a charge: its run could not be queued.
WITH d AS (
    UPDATE usage_daily SET questions = greatest(questions - @questions::integer, 0)
    WHERE user_id = @owner_id AND day = @day::date)
UPDATE quiz_usage SET generation_runs = greatest(generation_runs - 1, 0) WHERE quiz_id = @quiz_id;
