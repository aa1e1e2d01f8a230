-- name: InsertQuiz :one
INSERT INTO quiz (id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
                  updated_at, question_count, llm_model, llm_temperature, content_extraction_job_id)
VALUES (@id, @owner_id, @canvas_course_id, @canvas_course_name, @selected_modules, @title,
        now(), @question_count, @llm_model, @llm_temperature, @content_extraction_job_id)
RETURNING id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
          created_at, updated_at, question_count, llm_model, llm_temperature,
          content_extraction_status, llm_generation_status, extracted_content,
          content_extracted_at, canvas_quiz_id, export_status, exported_at,
          content_extraction_started_at, llm_generation_started_at, export_started_at,
          content_extraction_job_id, llm_generation_job_id, export_job_id, failure_reason;

-- name: GetQuiz :one
SELECT id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
       created_at, updated_at, question_count, llm_model, llm_temperature,
       content_extraction_status, llm_generation_status, extracted_content,
       content_extracted_at, canvas_quiz_id, export_status, exported_at,
       content_extraction_started_at, llm_generation_started_at, export_started_at,
          content_extraction_job_id, llm_generation_job_id, export_job_id, failure_reason
FROM quiz
WHERE id = @id;

-- name: GetQuizForUpdate :one
-- get_quiz_for_update of the original: lock the row for a status move and
-- read the database clock in the same statement, so lease checks never
-- depend on the clock of one Lambda environment.
SELECT sqlc.embed(quiz), now()::timestamptz AS db_now
FROM quiz
WHERE id = @id
FOR UPDATE;

-- name: ListQuizzesByOwner :many
SELECT id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
       created_at, updated_at, question_count, llm_model, llm_temperature,
       content_extraction_status, llm_generation_status, extracted_content,
       content_extracted_at, canvas_quiz_id, export_status, exported_at,
       content_extraction_started_at, llm_generation_started_at, export_started_at,
          content_extraction_job_id, llm_generation_job_id, export_job_id, failure_reason
FROM quiz
WHERE owner_id = @owner_id
ORDER BY created_at DESC, id;

-- name: DeleteQuiz :execrows
DELETE FROM quiz WHERE id = @id AND owner_id = @owner_id;

-- name: SetExtractedContent :execrows
UPDATE quiz
SET extracted_content = @extracted_content,
    content_extracted_at = CASE WHEN @extracted_content::jsonb IS NULL THEN NULL ELSE now() END,
    updated_at = now()
WHERE id = @id;
