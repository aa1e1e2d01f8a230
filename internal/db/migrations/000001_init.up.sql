-- The original app's schema, improved as the original later did
-- (docs/compatibility.md, Storage): jsonb instead of JSON text, indexes on the foreign
-- keys, CHECK constraints on statuses and answers, and the time each
-- status entered "processing" (the job lease of docs/architecture.md, Jobs).
-- Canvas ids are bigint: hosted Canvas uses global ids above 2^31.

CREATE TABLE "user" (
    id                   uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    canvas_id            bigint       NOT NULL,
    name                 varchar(255),
    created_at           timestamptz  DEFAULT now(),
    updated_at           timestamptz,
    access_token         varchar      NOT NULL DEFAULT '',
    refresh_token        varchar      NOT NULL DEFAULT '',
    expires_at           timestamptz,
    token_type           varchar      NOT NULL DEFAULT 'Bearer',
    onboarding_completed boolean      NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX ix_user_canvas_id ON "user" (canvas_id);

CREATE TABLE quiz (
    id                        uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id                  uuid             NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    canvas_course_id          bigint           NOT NULL,
    canvas_course_name        varchar          NOT NULL,
    -- [{"id": <module id>, "name": "<module name>"}, ...] in the order the
    -- teacher chose them (a jsonb object would lose that order).
    selected_modules          jsonb            NOT NULL DEFAULT '[]'
                                               CHECK (jsonb_typeof(selected_modules) = 'array'),
    title                     varchar(255)     NOT NULL CHECK (length(title) >= 1),
    created_at                timestamptz      DEFAULT now(),
    updated_at                timestamptz,
    question_count            integer          NOT NULL DEFAULT 100 CHECK (question_count BETWEEN 1 AND 200),
    llm_model                 varchar          NOT NULL DEFAULT 'o3',
    llm_temperature           double precision NOT NULL DEFAULT 1.0 CHECK (llm_temperature BETWEEN 0 AND 2),
    content_extraction_status varchar          NOT NULL DEFAULT 'pending',
    llm_generation_status     varchar          NOT NULL DEFAULT 'pending',
    extracted_content         jsonb,
    content_extracted_at      timestamptz,
    canvas_quiz_id            varchar,
    export_status             varchar          NOT NULL DEFAULT 'pending',
    exported_at               timestamptz,
    -- When each status last moved to "processing": a job whose lease has
    -- run out (a crashed or timed-out run) may be taken again.
    content_extraction_started_at timestamptz,
    llm_generation_started_at     timestamptz,
    export_started_at             timestamptz,
    CONSTRAINT quiz_content_extraction_status_check
        CHECK (content_extraction_status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT quiz_llm_generation_status_check
        CHECK (llm_generation_status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT quiz_export_status_check
        CHECK (export_status IN ('pending', 'processing', 'completed', 'failed'))
);
CREATE INDEX ix_quiz_owner_id ON quiz (owner_id, created_at DESC);
CREATE INDEX ix_quiz_canvas_course_id ON quiz (canvas_course_id);

CREATE TABLE question (
    id             uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    quiz_id        uuid          NOT NULL REFERENCES quiz (id) ON DELETE CASCADE,
    question_text  varchar(2000) NOT NULL CHECK (length(question_text) >= 1),
    option_a       varchar(500)  NOT NULL CHECK (length(option_a) >= 1),
    option_b       varchar(500)  NOT NULL CHECK (length(option_b) >= 1),
    option_c       varchar(500)  NOT NULL CHECK (length(option_c) >= 1),
    option_d       varchar(500)  NOT NULL CHECK (length(option_d) >= 1),
    correct_answer varchar(1)    NOT NULL CHECK (correct_answer IN ('A', 'B', 'C', 'D')),
    is_approved    boolean       NOT NULL DEFAULT false,
    approved_at    timestamptz,
    created_at     timestamptz   DEFAULT now(),
    updated_at     timestamptz,
    canvas_item_id varchar
);
-- Listing a quiz's questions (ORDER BY created_at, id) and counting the
-- approved ones are the hot reads.
CREATE INDEX ix_question_quiz_id ON question (quiz_id, created_at, id);
CREATE INDEX ix_question_quiz_id_is_approved ON question (quiz_id, is_approved);
