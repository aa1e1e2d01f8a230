-- Generation fans out (README, Background jobs): each (module x batch) of a quiz is
-- one job on the generate queue with its own row here, its own job id and
-- lease. run_id is the generation run the batch belongs to (the stage's
-- llm_generation_job_id when the run was fanned out); the last batch of a
-- run to settle decides the stage under the quiz's row lock. round counts
-- the batches of one (module, type, difficulty): 1 for the first run,
-- and every later run, v1 split or regeneration takes the next one.
CREATE TABLE generation_batch (
    id             uuid        PRIMARY KEY,
    quiz_id        uuid        NOT NULL REFERENCES quiz (id) ON DELETE CASCADE,
    run_id         uuid        NOT NULL,
    module_id      text        NOT NULL,
    question_type  text        NOT NULL CHECK (question_type IN
        ('multiple_choice', 'multiple_answer', 'true_false', 'fill_in_blank', 'matching', 'categorization')),
    difficulty     text        NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    count          integer     NOT NULL CHECK (count BETWEEN 1 AND 20),
    round          integer     NOT NULL CHECK (round >= 1),
    -- A regeneration (F14) adds questions to a finished quiz: its failure
    -- is recorded but does not make the run partial or failed.
    regenerate     boolean     NOT NULL DEFAULT false,
    status         text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    job_id         uuid        NOT NULL,
    started_at     timestamptz,
    failure_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (quiz_id, module_id, question_type, difficulty, round)
);

CREATE INDEX ix_generation_batch_quiz_id_status ON generation_batch (quiz_id, status);

-- A typed quiz's question count is Modules.Total(): up to 50 modules x 4
-- batches x 20. The v1 API keeps its own bound of 200.
ALTER TABLE quiz
    DROP CONSTRAINT quiz_question_count_check,
    ADD CONSTRAINT quiz_question_count_check CHECK (question_count BETWEEN 1 AND 4000);
