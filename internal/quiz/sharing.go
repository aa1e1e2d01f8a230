package quiz

import "time"

// Invite is a link that lets other signed-in users become collaborators
// of a quiz (README, Sharing).
type Invite struct {
	ID        ID
	QuizID    ID
	CreatedBy ID
	// Token is the secret part of the link: 43 URL-safe characters.
	Token     string
	CreatedAt time.Time
	// ExpiresAt is nil for an invite that never expires.
	ExpiresAt *time.Time
	// MaxUses is nil for an invite with no limit.
	MaxUses  *int
	UseCount int
	Revoked  bool
}

// Why an invite cannot be used (today's messages, also the 410's detail).
const (
	InviteRevoked = "This invite has been revoked"
	InviteExpired = "This invite has expired"
	InviteUsedUp  = "This invite has reached its maximum number of uses"
)

// Problem says why inv cannot be used at now ("" when it can): revoked,
// then expired, then used up, in that order.
func (inv Invite) Problem(now time.Time) string {
	switch {
	case inv.Revoked:
		return InviteRevoked
	case inv.ExpiresAt != nil && !inv.ExpiresAt.After(now):
		return InviteExpired
	case inv.MaxUses != nil && inv.UseCount >= *inv.MaxUses:
		return InviteUsedUp
	}
	return ""
}

// InviteError is an invite that cannot be accepted; Msg says why.
type InviteError struct{ Msg string }

func (e *InviteError) Error() string { return "invite: " + e.Msg }

// Collaborator is a user who accepted an invite to a quiz.
type Collaborator struct {
	// ID is the collaboration's own id (the owner removes it by this id).
	ID       ID
	UserID   ID
	UserName *string
	AddedAt  time.Time
}

// InvitePreview is an invite with what its page shows of the quiz.
type InvitePreview struct {
	Invite    Invite
	QuizTitle string
	OwnerName *string
}

// Joined says what accepting an invite did.
type Joined int

// What accepting an invite did.
const (
	JoinedNow          Joined = iota // a new collaborator: the invite's use counted
	JoinedAlready                    // already a collaborator: nothing changed
	JoinedOwnerAlready               // the quiz's owner: nothing changed
)

// Acceptance is the quiz an accepted invite opens and what accepting did.
type Acceptance struct {
	QuizID    ID
	QuizTitle string
	Joined    Joined
}
