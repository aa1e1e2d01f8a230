package httpapi

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"quizgen/internal/quiz"
)

// access is what a route of today's contract needs of the caller on a
// quiz: its owner, or its owner or a collaborator (README, Sharing).
type access int

const (
	accessOwner  access = iota // export, rename, delete, sharing
	accessShared               // everything else: owner or collaborator
)

// quizAccess returns quiz id when the caller has need on it; anyone else
// gets 404 "Quiz not found", never 403. The quiz read with the user
// (c.pre.Quiz) serves when it is the one asked for, so the owner costs
// no extra round trip; anyone else on an accessShared route costs one
// indexed lookup of the collaboration, read on every request, so a
// removed collaborator loses access at once.
func (s *Server) quizAccess(c *call, id uuid.UUID, need access) (quiz.Quiz, error) {
	var q quiz.Quiz
	var err error
	if pre := c.pre.Quiz; pre != nil && (pre.ID == id || errors.Is(c.pre.QuizErr, quiz.ErrNotFound)) {
		q, err = *pre, c.pre.QuizErr
	} else {
		q, err = s.Store.Quiz(c.ctx, id)
	}
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		return quiz.Quiz{}, fail(http.StatusNotFound, "Quiz not found")
	case err != nil:
		return quiz.Quiz{}, err
	case q.OwnerID == c.user.ID:
		return q, nil
	case need == accessOwner:
		return quiz.Quiz{}, fail(http.StatusNotFound, "Quiz not found")
	}
	ok, err := s.Store.IsCollaborator(c.ctx, q.ID, c.user.ID)
	if err != nil {
		return quiz.Quiz{}, err
	}
	if !ok {
		return quiz.Quiz{}, fail(http.StatusNotFound, "Quiz not found")
	}
	return q, nil
}

// pathQuiz is quizAccess for the quiz named by the path's quiz_id (422 for
// an id that is not a UUID).
func (s *Server) pathQuiz(c *call, need access) (quiz.Quiz, error) {
	id, err := quizID(c)
	if err != nil {
		return quiz.Quiz{}, err
	}
	return s.quizAccess(c, id, need)
}
