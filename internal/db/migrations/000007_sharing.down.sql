DROP TABLE quizinvite;
DROP TABLE quizcollaborator;
