-- Today's question and quiz model (README, Question types): a question has
-- a type and that type's data (question_data, the canonical JSON of the
-- type's Normalize in internal/quiz/qtype), a difficulty, tags, its source
-- module, soft delete with the teacher's reason, and an edit log; a quiz
-- has modules with typed batches, a language, a tone and custom
-- instructions. Nothing is lost: every existing question becomes a
-- multiple_choice question with the same text, options, answer and
-- approval, and every existing quiz a v1 quiz whose modules carry one
-- multiple-choice batch each.

-- --- question ---------------------------------------------------------------

ALTER TABLE question
    ADD COLUMN question_type      text,
    ADD COLUMN question_data      jsonb,
    ADD COLUMN difficulty         text,
    ADD COLUMN tags               jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN module_id          text,
    ADD COLUMN edit_log           jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN deleted            boolean     NOT NULL DEFAULT false,
    ADD COLUMN deleted_at         timestamptz,
    ADD COLUMN rejection_reason   varchar(50),
    ADD COLUMN rejection_feedback varchar(500);

-- The flat columns become multiple_choice's question_data, with the keys
-- multiple_choice's Normalize writes (jsonb keeps its own key order; the
-- values are the same). The texts are kept as they were stored: v1 checked
-- their lengths and answer already, and the next edit normalizes them.
UPDATE question
SET question_type = 'multiple_choice',
    question_data = jsonb_build_object(
        'question_text', question_text,
        'option_a', option_a, 'option_b', option_b, 'option_c', option_c, 'option_d', option_d,
        'correct_answer', correct_answer,
        'explanation', ''),
    difficulty = 'medium';

ALTER TABLE question
    ALTER COLUMN question_type SET NOT NULL,
    ALTER COLUMN question_data SET NOT NULL,
    ADD CONSTRAINT question_question_type_check CHECK (question_type IN
        ('multiple_choice', 'multiple_answer', 'true_false', 'fill_in_blank', 'matching', 'categorization')),
    ADD CONSTRAINT question_question_data_check CHECK (jsonb_typeof(question_data) = 'object'),
    ADD CONSTRAINT question_difficulty_check CHECK (difficulty IN ('easy', 'medium', 'hard')),
    ADD CONSTRAINT question_tags_check CHECK (jsonb_typeof(tags) = 'array'),
    ADD CONSTRAINT question_edit_log_check CHECK (jsonb_typeof(edit_log) = 'array');

-- Their data lives in question_data now.
ALTER TABLE question
    DROP COLUMN question_text,
    DROP COLUMN option_a,
    DROP COLUMN option_b,
    DROP COLUMN option_c,
    DROP COLUMN option_d,
    DROP COLUMN correct_answer;

-- The hot reads list and count a quiz's questions that are not deleted.
DROP INDEX ix_question_quiz_id;
DROP INDEX ix_question_quiz_id_is_approved;
CREATE INDEX ix_question_quiz_id ON question (quiz_id, created_at, id) WHERE NOT deleted;
CREATE INDEX ix_question_quiz_id_is_approved ON question (quiz_id, is_approved) WHERE NOT deleted;
CREATE INDEX ix_question_question_type ON question (question_type);

-- --- quiz -------------------------------------------------------------------

ALTER TABLE quiz
    ADD COLUMN language            text         NOT NULL DEFAULT 'en',
    ADD COLUMN tone                text         NOT NULL DEFAULT 'academic',
    ADD COLUMN custom_instructions varchar(500),
    -- A quiz created through /api/v1: one multiple-choice batch per module
    -- and v1's question_count over all of them.
    ADD COLUMN v1                  boolean      NOT NULL DEFAULT false,
    ADD COLUMN generation_metadata jsonb        NOT NULL DEFAULT '{}',
    ADD CONSTRAINT quiz_language_check CHECK (language IN ('en', 'no')),
    ADD CONSTRAINT quiz_tone_check CHECK (tone IN ('academic', 'casual', 'encouraging', 'professional')),
    ADD CONSTRAINT quiz_generation_metadata_check CHECK (jsonb_typeof(generation_metadata) = 'object');

-- selected_modules becomes the stored list of internal/quiz (Modules'
-- StoredJSON of FromV1): each {id, name} becomes
-- {"id": "<id as text>", "name", "question_batches": [one multiple_choice
-- batch at medium], "source_type": "canvas"}, in the same order, and
-- question_count is spread over the modules in that order (each gets
-- question_count / n, the first question_count % n one more).
UPDATE quiz
SET v1 = true,
    selected_modules = COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', m.elem->>'id',
                   'name', m.elem->'name',
                   'question_batches', jsonb_build_array(jsonb_build_object(
                       'question_type', 'multiple_choice',
                       'count', quiz.question_count / n.total
                                + CASE WHEN m.ord <= quiz.question_count % n.total THEN 1 ELSE 0 END,
                       'difficulty', 'medium')),
                   'source_type', 'canvas')
                ORDER BY m.ord)
        FROM jsonb_array_elements(quiz.selected_modules) WITH ORDINALITY AS m(elem, ord),
             (SELECT jsonb_array_length(quiz.selected_modules) AS total) AS n
    ), '[]'::jsonb);
