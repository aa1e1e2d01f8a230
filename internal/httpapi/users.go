package httpapi

import "quizgen/internal/quiz"

// userPublic is UserPublic (docs/compatibility.md, Objects and statuses): no ids, no tokens.
type userPublic struct {
	Name                string `json:"name"`
	OnboardingCompleted bool   `json:"onboarding_completed"`
}

func (s *Server) readUserMe(c *call) error {
	return c.json(publicUser(c.user.Name, c.user.OnboardingCompleted))
}

func publicUser(name *string, onboarded bool) userPublic {
	out := userPublic{OnboardingCompleted: onboarded}
	if name != nil {
		out.Name = *name
	}
	return out
}

func (s *Server) updateUserMe(c *call) error {
	u, err := s.updateUser(c)
	if err != nil {
		return err
	}
	return c.json(publicUser(u.Name, u.OnboardingCompleted))
}

// updateUser applies a UserUpdateMe body to the signed-in user.
func (s *Server) updateUser(c *call) (quiz.User, error) {
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return quiz.User{}, err
	}
	// name is required and bounded by its column (the original let a longer
	// one fail with a 500).
	name, nameOK := b.str("name", true, 0, 255)
	var onboarding *bool
	if b.has("onboarding_completed") {
		if v, ok := b.boolean("onboarding_completed"); ok {
			onboarding = &v
		}
	}
	if err := ch.err(); err != nil {
		return quiz.User{}, err
	}
	return s.Store.UpdateUserProfile(c.ctx, c.user.ID, nameOK, &name, onboarding)
}

// deleteUserMe deletes the user and everything they own, first, in the
// database; then revokes their Canvas token (best effort and bounded, see
// revokeCanvasToken): a deleted account keeps no access to Canvas.
func (s *Server) deleteUserMe(c *call) error {
	if err := s.deleteUser(c); err != nil {
		return err
	}
	return c.json(message{"User deleted successfully"})
}

func (s *Server) deleteUser(c *call) error {
	if err := s.Store.DeleteUser(c.ctx, c.user.ID); err != nil {
		return err
	}
	s.revokeCanvasToken(c.ctx, s.storedAccessToken(c.user), "account deleted")
	return nil
}
