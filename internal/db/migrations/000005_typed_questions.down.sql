-- Back to the flat multiple-choice model of 000004. This loses what that
-- model cannot hold: questions of the other five types are DELETED, and so
-- are soft-deleted questions (v1 would list them again); difficulty, tags,
-- module, edit log, rejection, explanations and the quiz's language, tone,
-- custom instructions and generation metadata are dropped; manual modules
-- leave selected_modules (v1 knows Canvas modules only).

-- --- question ---------------------------------------------------------------

DELETE FROM question WHERE question_type <> 'multiple_choice' OR deleted;

ALTER TABLE question
    ADD COLUMN question_text  varchar(2000),
    ADD COLUMN option_a       varchar(500),
    ADD COLUMN option_b       varchar(500),
    ADD COLUMN option_c       varchar(500),
    ADD COLUMN option_d       varchar(500),
    ADD COLUMN correct_answer varchar(1);

UPDATE question
SET question_text  = question_data->>'question_text',
    option_a       = question_data->>'option_a',
    option_b       = question_data->>'option_b',
    option_c       = question_data->>'option_c',
    option_d       = question_data->>'option_d',
    correct_answer = question_data->>'correct_answer';

ALTER TABLE question
    ALTER COLUMN question_text SET NOT NULL,
    ALTER COLUMN option_a SET NOT NULL,
    ALTER COLUMN option_b SET NOT NULL,
    ALTER COLUMN option_c SET NOT NULL,
    ALTER COLUMN option_d SET NOT NULL,
    ALTER COLUMN correct_answer SET NOT NULL,
    ADD CONSTRAINT question_question_text_check CHECK (length(question_text) >= 1),
    ADD CONSTRAINT question_option_a_check CHECK (length(option_a) >= 1),
    ADD CONSTRAINT question_option_b_check CHECK (length(option_b) >= 1),
    ADD CONSTRAINT question_option_c_check CHECK (length(option_c) >= 1),
    ADD CONSTRAINT question_option_d_check CHECK (length(option_d) >= 1),
    ADD CONSTRAINT question_correct_answer_check CHECK (correct_answer IN ('A', 'B', 'C', 'D'));

DROP INDEX ix_question_question_type;
DROP INDEX ix_question_quiz_id;
DROP INDEX ix_question_quiz_id_is_approved;
CREATE INDEX ix_question_quiz_id ON question (quiz_id, created_at, id);
CREATE INDEX ix_question_quiz_id_is_approved ON question (quiz_id, is_approved);

ALTER TABLE question
    DROP COLUMN question_type,
    DROP COLUMN question_data,
    DROP COLUMN difficulty,
    DROP COLUMN tags,
    DROP COLUMN module_id,
    DROP COLUMN edit_log,
    DROP COLUMN deleted,
    DROP COLUMN deleted_at,
    DROP COLUMN rejection_reason,
    DROP COLUMN rejection_feedback;

-- --- quiz -------------------------------------------------------------------

-- Back to [{"id": <number>, "name"}] in order, Canvas modules only.
UPDATE quiz
SET selected_modules = COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', (m.elem->>'id')::bigint, 'name', m.elem->'name') ORDER BY m.ord)
        FROM jsonb_array_elements(quiz.selected_modules) WITH ORDINALITY AS m(elem, ord)
        WHERE COALESCE(m.elem->>'source_type', 'canvas') = 'canvas' AND m.elem->>'id' ~ '^[0-9]{1,18}$'
    ), '[]'::jsonb);

ALTER TABLE quiz
    DROP COLUMN language,
    DROP COLUMN tone,
    DROP COLUMN custom_instructions,
    DROP COLUMN v1,
    DROP COLUMN generation_metadata;
