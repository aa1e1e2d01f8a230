DROP TABLE generation_batch;

UPDATE quiz SET question_count = 200 WHERE question_count > 200;
ALTER TABLE quiz
    DROP CONSTRAINT quiz_question_count_check,
    ADD CONSTRAINT quiz_question_count_check CHECK (question_count BETWEEN 1 AND 200);
