package httpapi

import (
	"github.com/google/uuid"

	"quizgen/internal/quiz"
)

// access is what a route of today's contract needs of the caller on a
// quiz: its owner, or its owner or a collaborator (README, sharing).
type access int

const (
	accessOwner  access = iota // export, rename, delete, sharing
	accessShared               // everything else: owner or collaborator
)

// quizAccess returns quiz id when the caller has need on it; anyone else
// gets 404 "Quiz not found", never 403.
// TODO(sharing): collaborators; owner-only until the sharing tables exist.
func (s *Server) quizAccess(c *call, id uuid.UUID, need access) (quiz.Quiz, error) {
	_ = need
	return s.ownedQuiz(c, id)
}
