package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/quiz"
)

// This file is today's sharing routes (README, Sharing): the owner makes
// an invite link, another signed-in user previews and accepts it and
// becomes a collaborator; the owner lists and removes collaborators and
// revokes the link. Someone else's quiz is 404 "Quiz not found".

// sharingRoutes are today's sharing routes (tag quiz-sharing).
func (s *Server) sharingRoutes() []*route {
	return []*route{
		{method: http.MethodPost, pattern: "/quiz/{quiz_id}/invites", auth: authUser, h: s.createInvite,
			op: operation{id: "quiz-sharing-create_invite", tag: "quiz-sharing", summary: "Create the quiz's invite link (owner; one active at a time)",
				body: "QuizInviteCreate", resp: "QuizInviteResponse", errs: []int{409}}},
		{method: http.MethodGet, pattern: "/quiz/{quiz_id}/collaborators", auth: authUser, h: s.listCollaborators,
			op: operation{id: "quiz-sharing-list_collaborators", tag: "quiz-sharing", summary: "The quiz's collaborators and active invites (owner)",
				resp: "QuizCollaboratorsResponse"}},
		{method: http.MethodDelete, pattern: "/quiz/{quiz_id}/collaborators/{collaborator_id}", auth: authUser, h: s.removeCollaborator,
			op: operation{id: "quiz-sharing-remove_collaborator_endpoint", tag: "quiz-sharing", summary: "Remove a collaborator (owner; the collaboration's id)",
				resp: "Message"}},
		{method: http.MethodDelete, pattern: "/quiz/{quiz_id}/invites/{invite_id}", auth: authUser, h: s.revokeInvite,
			op: operation{id: "quiz-sharing-revoke_invite_endpoint", tag: "quiz-sharing", summary: "Revoke an invite link (owner)",
				resp: "Message"}},
		{method: http.MethodGet, pattern: "/quiz/invite/{token}", auth: authUser, h: s.inviteInfo,
			op: operation{id: "quiz-sharing-get_invite_info", tag: "quiz-sharing", summary: "What an invite link opens and whether it can be used (always 200)",
				resp: "InviteInfoResponse"}},
		{method: http.MethodPost, pattern: "/quiz/invite/{token}/accept", auth: authUser, h: s.acceptInvite,
			op: operation{id: "quiz-sharing-accept_invite", tag: "quiz-sharing", summary: "Become a collaborator of the invite's quiz",
				resp: "AcceptInviteResponse", errs: []int{410}}},
	}
}

// sharingStore is what sharing needs of the store.
type sharingStore interface {
	// CreateInvite stores the quiz's invite, or wraps quiz.ErrConflict
	// when one is active at now.
	CreateInvite(ctx context.Context, inv quiz.Invite, now time.Time) (quiz.Invite, error)
	// QuizSharing lists the quiz's collaborators and its invites active at now.
	QuizSharing(ctx context.Context, id quiz.ID, now time.Time) ([]quiz.Collaborator, []quiz.Invite, error)
	RemoveCollaborator(ctx context.Context, quizID, id quiz.ID) error
	RevokeInvite(ctx context.Context, quizID, id quiz.ID) error
	InvitePreview(ctx context.Context, token string) (quiz.InvitePreview, error)
	// AcceptInvite returns quiz.ErrNotFound for an unknown token and a
	// *quiz.InviteError for one that cannot be used.
	AcceptInvite(ctx context.Context, token string, user quiz.ID, now time.Time) (quiz.Acceptance, error)
	IsCollaborator(ctx context.Context, id, user quiz.ID) (bool, error)
	// QuizSummariesVisibleTo lists the quizzes user owns or collaborates
	// on, newest first, without their extracted content.
	QuizSummariesVisibleTo(ctx context.Context, user quiz.ID) ([]quiz.Quiz, error)
}

// Today's sharing messages.
const (
	msgInviteExists        = "Quiz already has an active invite. Revoke it first to create a new one."
	msgInviteNotFound      = "Invite not found"
	msgCollaboratorMissing = "Collaborator not found"
	msgCollaboratorRemoved = "Collaborator removed successfully"
	msgInviteRevoked       = "Invite revoked successfully"
	msgJoinedNow           = "You now have access to this quiz"
	msgJoinedAlready       = "You already have access to this quiz"
	msgOwnerAlready        = "You already own this quiz"
)

// Bounds of QuizInviteCreate.
const (
	inviteDefaultDays      = 7
	inviteMinDays          = 1
	inviteMaxDays          = 30
	inviteMinUses          = 1
	inviteMaxUses          = 100
	inviteTokenRandomBytes = 32 // 43 URL-safe characters, as Python's token_urlsafe(32)
)

// quizInviteJSON is today's QuizInviteResponse.
type quizInviteJSON struct {
	ID        uuid.UUID `json:"id"`
	Token     string    `json:"token"`
	InviteURL string    `json:"invite_url"`
	QuizID    uuid.UUID `json:"quiz_id"`
	QuizTitle string    `json:"quiz_title"`
	CreatedAt pyTime    `json:"created_at"`
	ExpiresAt pyTime    `json:"expires_at"`
	MaxUses   *int      `json:"max_uses"`
	UseCount  int       `json:"use_count"`
	IsRevoked bool      `json:"is_revoked"`
}

func (s *Server) inviteOut(inv quiz.Invite, title string) quizInviteJSON {
	created := inv.CreatedAt
	return quizInviteJSON{
		ID: inv.ID, Token: inv.Token, InviteURL: strings.TrimSuffix(s.cfg.FrontendHost, "/") + "/invite/" + inv.Token,
		QuizID: inv.QuizID, QuizTitle: title, CreatedAt: pyTime{&created}, ExpiresAt: pyTime{inv.ExpiresAt},
		MaxUses: inv.MaxUses, UseCount: inv.UseCount, IsRevoked: inv.Revoked,
	}
}

// nullableInt validates an optional integer field that may be null, in
// [lo, hi]: def when absent, nil when null.
func (b body) nullableInt(name string, def *int, lo, hi int64) *int {
	if b.has(name) && b.value(name) == nil && !b.nul[name] {
		return nil
	}
	n, ok := b.integer(name, false, 0, lo, hi)
	if !ok {
		return nil
	}
	if !b.has(name) {
		return def
	}
	v := int(n)
	return &v
}

// createInvite is POST /quiz/{quiz_id}/invites: the owner's invite link,
// expiring after expires_in_days (1..30, default 7, null never) and usable
// max_uses times (1..100, null without limit); 409 while one is active.
func (s *Server) createInvite(c *call) error {
	q, err := s.pathQuiz(c, accessOwner)
	if err != nil {
		return err
	}
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	days := inviteDefaultDays
	expiresIn := b.nullableInt("expires_in_days", &days, inviteMinDays, inviteMaxDays)
	maxUses := b.nullableInt("max_uses", nil, inviteMinUses, inviteMaxUses)
	if err := ch.err(); err != nil {
		return err
	}
	token, err := inviteToken()
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	inv := quiz.Invite{ID: uuid.New(), QuizID: q.ID, CreatedBy: c.user.ID, Token: token, CreatedAt: now, MaxUses: maxUses}
	if expiresIn != nil {
		at := now.AddDate(0, 0, *expiresIn)
		inv.ExpiresAt = &at
	}
	inv, err = s.Store.CreateInvite(c.ctx, inv, now)
	if errors.Is(err, quiz.ErrConflict) {
		return failWith(http.StatusConflict, msgInviteExists, err)
	}
	if err != nil {
		return err
	}
	return c.json(s.inviteOut(inv, q.Title))
}

// inviteToken is a new invite's secret: 32 random bytes, URL-safe base64
// without padding (43 characters).
func inviteToken() (string, error) {
	b := make([]byte, inviteTokenRandomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// collaboratorJSON is today's CollaboratorResponse.
type collaboratorJSON struct {
	ID       uuid.UUID `json:"id"`
	UserID   uuid.UUID `json:"user_id"`
	UserName *string   `json:"user_name"`
	AddedAt  pyTime    `json:"added_at"`
}

// quizCollaboratorsJSON is today's QuizCollaboratorsResponse.
type quizCollaboratorsJSON struct {
	QuizID        uuid.UUID          `json:"quiz_id"`
	OwnerID       uuid.UUID          `json:"owner_id"`
	OwnerName     *string            `json:"owner_name"`
	Collaborators []collaboratorJSON `json:"collaborators"`
	ActiveInvites []quizInviteJSON   `json:"active_invites"`
}

// listCollaborators is GET /quiz/{quiz_id}/collaborators: the owner, the
// collaborators in the order they joined and the active invite.
func (s *Server) listCollaborators(c *call) error {
	q, err := s.pathQuiz(c, accessOwner)
	if err != nil {
		return err
	}
	collabs, invites, err := s.Store.QuizSharing(c.ctx, q.ID, s.Now())
	if err != nil {
		return err
	}
	out := quizCollaboratorsJSON{QuizID: q.ID, OwnerID: q.OwnerID, OwnerName: c.user.Name,
		Collaborators: make([]collaboratorJSON, 0, len(collabs)), ActiveInvites: make([]quizInviteJSON, 0, len(invites))}
	for _, co := range collabs {
		added := co.AddedAt
		out.Collaborators = append(out.Collaborators, collaboratorJSON{ID: co.ID, UserID: co.UserID, UserName: co.UserName, AddedAt: pyTime{&added}})
	}
	for _, inv := range invites {
		out.ActiveInvites = append(out.ActiveInvites, s.inviteOut(inv, q.Title))
	}
	return c.json(out)
}

// removeCollaborator is DELETE /quiz/{quiz_id}/collaborators/{collaborator_id}
// (the collaboration's id, not the user's): the user loses access at once.
func (s *Server) removeCollaborator(c *call) error {
	q, collabID, err := s.ownedChild(c, "collaborator_id")
	if err != nil {
		return err
	}
	err = s.Store.RemoveCollaborator(c.ctx, q.ID, collabID)
	if errors.Is(err, quiz.ErrNotFound) {
		return fail(http.StatusNotFound, msgCollaboratorMissing)
	}
	if err != nil {
		return err
	}
	return c.json(message{Message: msgCollaboratorRemoved})
}

// ownedChild checks that the caller owns the quiz of the path and reads
// the id of one of its sharing rows (path parameter name).
func (s *Server) ownedChild(c *call, name string) (quiz.Quiz, uuid.UUID, error) {
	q, err := s.pathQuiz(c, accessOwner)
	if err != nil {
		return quiz.Quiz{}, uuid.Nil, err
	}
	var ch checks
	child := ch.pathUUID(c.params, name)
	return q, child, ch.err()
}

// revokeInvite is DELETE /quiz/{quiz_id}/invites/{invite_id}.
func (s *Server) revokeInvite(c *call) error {
	q, inviteID, err := s.ownedChild(c, "invite_id")
	if err != nil {
		return err
	}
	err = s.Store.RevokeInvite(c.ctx, q.ID, inviteID)
	if errors.Is(err, quiz.ErrNotFound) {
		return fail(http.StatusNotFound, msgInviteNotFound)
	}
	if err != nil {
		return err
	}
	return c.json(message{Message: msgInviteRevoked})
}

// inviteInfoJSON is today's InviteInfoResponse.
type inviteInfoJSON struct {
	QuizTitle string  `json:"quiz_title"`
	OwnerName *string `json:"owner_name"`
	IsValid   bool    `json:"is_valid"`
	Message   *string `json:"message"`
}

// inviteInfo is GET /quiz/invite/{token}: always 200, with the quiz's
// title and owner's name, whether the invite can be used and, when it
// cannot, why (an unknown token: empty title, "Invite not found").
func (s *Server) inviteInfo(c *call) error {
	p, err := s.Store.InvitePreview(c.ctx, c.params["token"])
	if errors.Is(err, quiz.ErrNotFound) {
		msg := msgInviteNotFound
		return c.json(inviteInfoJSON{Message: &msg})
	}
	if err != nil {
		return err
	}
	out := inviteInfoJSON{QuizTitle: p.QuizTitle, OwnerName: p.OwnerName, IsValid: true}
	if msg := p.Invite.Problem(s.Now()); msg != "" {
		out.IsValid, out.Message = false, &msg
	}
	return c.json(out)
}

// acceptInviteJSON is today's AcceptInviteResponse.
type acceptInviteJSON struct {
	Success   bool      `json:"success"`
	QuizID    uuid.UUID `json:"quiz_id"`
	QuizTitle string    `json:"quiz_title"`
	Message   string    `json:"message"`
}

// acceptInvite is POST /quiz/invite/{token}/accept: the caller becomes a
// collaborator (the invite's use counted); the owner and an existing
// collaborator are told so, nothing counted, even when the invite can no
// longer be used (a retried accept gets the same answer). 404 "Invite not
// found", 410 with why the invite cannot be used.
func (s *Server) acceptInvite(c *call) error {
	a, err := s.Store.AcceptInvite(c.ctx, c.params["token"], c.user.ID, s.Now())
	var ie *quiz.InviteError
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		return fail(http.StatusNotFound, msgInviteNotFound)
	case errors.As(err, &ie):
		return failWith(http.StatusGone, ie.Msg, err)
	case err != nil:
		return err
	}
	msg := msgJoinedNow
	switch a.Joined {
	case quiz.JoinedAlready:
		msg = msgJoinedAlready
	case quiz.JoinedOwnerAlready:
		msg = msgOwnerAlready
	}
	return c.json(acceptInviteJSON{Success: true, QuizID: a.QuizID, QuizTitle: a.QuizTitle, Message: msg})
}

// loggedPath is path as the access log may show it: an invite's token is
// a secret (it grants access to a quiz), so /quiz/invite/<token>... is
// logged with "{token}" in its place, whatever route it reached.
func loggedPath(path string) string {
	const prefix = "/quiz/invite/"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || rest == "" {
		return path
	}
	_, after, found := strings.Cut(rest, "/")
	if !found {
		return prefix + "{token}"
	}
	return prefix + "{token}/" + after
}
