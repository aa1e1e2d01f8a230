-- The quiz list as a PL/pgSQL function (README, Database connections):
-- behind PgBouncer in transaction mode the application sends no named
-- prepared statements, so Postgres plans every statement it gets, and
-- planning this union of two wide selects cost three times its execution
-- (0.40 of 0.48 ms a call in the fleet drill). A PL/pgSQL function keeps
-- the plans of its statements for the life of the server connection, which
-- PgBouncer reuses for every client: a call is planned as one function
-- scan. (The user-and-quiz read, one join, gained nothing this way: the
-- function's own cost ate the planning it saved.) The columns are
-- apiQuizColumns' (internal/db/store_api.go) in its order;
-- TestReadFunctionsMatchColumns fails when a migration changes the quiz's
-- columns and apiQuizColumns without this function.

-- The quizzes a user owns (ix_quiz_owner_id) and those shared with the
-- user (ix_quizcollaborator_user_id), the owner excluded from the second
-- half so no quiz comes twice, newest first.
CREATE FUNCTION api_visible_quizzes(p_user uuid)
RETURNS TABLE (
    q_id quiz.id%TYPE, q_owner_id quiz.owner_id%TYPE,
    q_canvas_course_id quiz.canvas_course_id%TYPE,
    q_canvas_course_name quiz.canvas_course_name%TYPE,
    q_selected_modules quiz.selected_modules%TYPE, q_title quiz.title%TYPE,
    q_created_at quiz.created_at%TYPE, q_updated_at quiz.updated_at%TYPE,
    q_question_count quiz.question_count%TYPE, q_llm_model quiz.llm_model%TYPE,
    q_llm_temperature quiz.llm_temperature%TYPE,
    q_content_extraction_status quiz.content_extraction_status%TYPE,
    q_llm_generation_status quiz.llm_generation_status%TYPE,
    q_extracted_content quiz.extracted_content%TYPE,
    q_content_extracted_at quiz.content_extracted_at%TYPE,
    q_canvas_quiz_id quiz.canvas_quiz_id%TYPE, q_export_status quiz.export_status%TYPE,
    q_exported_at quiz.exported_at%TYPE,
    q_content_extraction_started_at quiz.content_extraction_started_at%TYPE,
    q_llm_generation_started_at quiz.llm_generation_started_at%TYPE,
    q_export_started_at quiz.export_started_at%TYPE,
    q_content_extraction_job_id quiz.content_extraction_job_id%TYPE,
    q_llm_generation_job_id quiz.llm_generation_job_id%TYPE,
    q_export_job_id quiz.export_job_id%TYPE, q_failure_reason quiz.failure_reason%TYPE,
    q_language quiz.language%TYPE, q_tone quiz.tone%TYPE,
    q_custom_instructions quiz.custom_instructions%TYPE, q_v1 quiz.v1%TYPE,
    q_generation_metadata quiz.generation_metadata%TYPE, q_has_content boolean, q_version text
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT q.id, q.owner_id, q.canvas_course_id, q.canvas_course_name, q.selected_modules, q.title,
           q.created_at, q.updated_at, q.question_count, q.llm_model, q.llm_temperature,
           q.content_extraction_status, q.llm_generation_status, NULL::jsonb,
           q.content_extracted_at, q.canvas_quiz_id, q.export_status, q.exported_at,
           q.content_extraction_started_at, q.llm_generation_started_at, q.export_started_at,
           q.content_extraction_job_id, q.llm_generation_job_id, q.export_job_id, q.failure_reason,
           q.language, q.tone, q.custom_instructions, q.v1, q.generation_metadata,
           q.extracted_content IS NOT NULL, q.xmin::text
    FROM quiz q WHERE q.owner_id = p_user
    UNION ALL
    SELECT q.id, q.owner_id, q.canvas_course_id, q.canvas_course_name, q.selected_modules, q.title,
           q.created_at, q.updated_at, q.question_count, q.llm_model, q.llm_temperature,
           q.content_extraction_status, q.llm_generation_status, NULL::jsonb,
           q.content_extracted_at, q.canvas_quiz_id, q.export_status, q.exported_at,
           q.content_extraction_started_at, q.llm_generation_started_at, q.export_started_at,
           q.content_extraction_job_id, q.llm_generation_job_id, q.export_job_id, q.failure_reason,
           q.language, q.tone, q.custom_instructions, q.v1, q.generation_metadata,
           q.extracted_content IS NOT NULL, q.xmin::text
    FROM quizcollaborator c JOIN quiz q ON q.id = c.quiz_id
    WHERE c.user_id = p_user AND q.owner_id <> p_user
    ORDER BY 7 DESC, 1;
END
$$;
