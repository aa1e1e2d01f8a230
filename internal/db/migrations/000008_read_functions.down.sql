DROP FUNCTION IF EXISTS api_visible_quizzes(uuid);
