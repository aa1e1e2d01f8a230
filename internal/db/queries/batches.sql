-- name: InsertBatch :exec
-- Generation batches (README, Background jobs): one row per (module x batch) of a
-- generation run. round is the next free one of (module, type,
-- difficulty) in the quiz.
INSERT INTO generation_batch (id, quiz_id, run_id, module_id, question_type, difficulty, count, round,
                              regenerate, status, job_id)
VALUES (@id, @quiz_id, @run_id, @module_id, @question_type, @difficulty, @count,
        (SELECT COALESCE(max(b.round), 0) + 1 FROM generation_batch b
         WHERE b.quiz_id = @quiz_id AND b.module_id = @module_id
           AND b.question_type = @question_type AND b.difficulty = @difficulty),
        @regenerate, 'pending', @job_id);

-- name: RunBatches :many
-- The batches of a run in the order they were planned.
SELECT * FROM generation_batch
WHERE quiz_id = @quiz_id AND run_id = @run_id
ORDER BY created_at, module_id, question_type, difficulty, round;

-- name: SupersedeBatches :exec
-- Fails the unfinished batches of the quiz's other runs: a new run
-- replaces them (their jobs then find their row failed and stop).
UPDATE generation_batch
SET status = 'failed', failure_reason = 'superseded by a newer generation run'
WHERE quiz_id = @quiz_id AND run_id <> @run_id AND status IN ('pending', 'processing');

-- name: GetBatchForUpdate :one
-- Locks one batch of a quiz (after its quiz row: every writer locks the
-- quiz first) and reads the database clock.
SELECT sqlc.embed(generation_batch), now()::timestamptz AS db_now
FROM generation_batch
WHERE id = @id AND quiz_id = @quiz_id
FOR UPDATE;

-- name: StartBatch :exec
-- A batch job takes its batch: processing from now (its lease).
UPDATE generation_batch SET status = 'processing', started_at = now()
WHERE id = @id;

-- name: SettleBatch :exec
-- A batch ends: completed (reason NULL) or failed with a reason.
UPDATE generation_batch SET status = @status::text, failure_reason = sqlc.narg(reason)::text
WHERE id = @id;

-- name: RequeueFailedBatches :many
-- A retry of a partial or failed run: its failed batches (regenerations
-- aside) are pending again, each under a fresh job id.
UPDATE generation_batch
SET status = 'pending', job_id = gen_random_uuid(), failure_reason = NULL, started_at = NULL
WHERE quiz_id = @quiz_id AND run_id = @run_id AND status = 'failed' AND NOT regenerate
RETURNING *;

-- name: SetGenerationOutcome :exec
-- The run's outcome on the quiz: the stage's status, why (NULL: nothing
-- failed) and which batches failed (generation_metadata).
UPDATE quiz
SET llm_generation_status = @status::varchar, failure_reason = sqlc.narg(reason)::text,
    generation_metadata = @metadata, updated_at = now()
WHERE id = @id;

-- name: RestartGeneration :exec
-- A retry or regeneration runs again under the same run id: processing
-- from now, no failure, no outcome yet; generation_metadata says which
-- restart it is (quiz.RestartMetadata) until the run is decided again.
UPDATE quiz
SET llm_generation_status = 'processing', llm_generation_started_at = now(), failure_reason = NULL,
    generation_metadata = @metadata, updated_at = now()
WHERE id = @id;

-- name: TouchGeneration :exec
-- A batch was taken: the run is alive, so its stage lease starts again
-- (a run of many batches outlives one lease).
UPDATE quiz SET llm_generation_started_at = now()
WHERE id = @id AND llm_generation_status = 'processing';

-- name: BatchExistingQuestions :many
-- The type and data of every question of the quiz, deleted ones too (a
-- rejected question should not come back), for de-duplication.
SELECT question_type, question_data FROM question
WHERE quiz_id = @quiz_id
ORDER BY created_at, id;

-- name: ReleaseBatch :execrows
-- A batch job failed temporarily: the batch is pending again for the
-- same job, so the message's next delivery takes it at once instead of
-- waiting for the lease.
UPDATE generation_batch SET status = 'pending'
WHERE id = @id AND quiz_id = @quiz_id AND job_id = @job_id AND status = 'processing';
