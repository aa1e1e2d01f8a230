-- name: InsertQuiz :one
-- selected_modules is the stored list of quiz.Modules (StoredJSON).
INSERT INTO quiz (id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
                  updated_at, question_count, llm_model, llm_temperature, content_extraction_job_id,
                  language, tone, custom_instructions, v1)
VALUES (@id, @owner_id, @canvas_course_id, @canvas_course_name, @selected_modules, @title,
        now(), @question_count, @llm_model, @llm_temperature, @content_extraction_job_id,
        @language, @tone, sqlc.narg(custom_instructions), @v1)
RETURNING *;

-- name: GetQuiz :one
SELECT *
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
SELECT *
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
