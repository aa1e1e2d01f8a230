package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// This file is sharing a quiz (README, Sharing): invites, collaborators,
// and the quizzes a user sees.

// CreateInvite stores inv (its ID, QuizID, CreatedBy, Token, CreatedAt,
// ExpiresAt and MaxUses) as the quiz's invite. The quiz's invites that
// expired or were used up at now are retired first; if one is still
// active (or a concurrent call stored one) nothing is stored and the
// error wraps quiz.ErrConflict.
func (s *Store) CreateInvite(ctx context.Context, inv quiz.Invite, now time.Time) (quiz.Invite, error) {
	var out quiz.Invite
	err := s.inTx(ctx, func(q txQueries) error {
		if err := q.RetireStaleInvites(ctx, dbsqlc.RetireStaleInvitesParams{Now: now, QuizID: inv.QuizID}); err != nil {
			return err
		}
		var maxUses *int32
		if inv.MaxUses != nil {
			m := int32(*inv.MaxUses)
			maxUses = &m
		}
		r, err := q.InsertInvite(ctx, dbsqlc.InsertInviteParams{
			ID: inv.ID, QuizID: inv.QuizID, Token: inv.Token, CreatedByID: inv.CreatedBy,
			CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, MaxUses: maxUses,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: the quiz has an active invite", quiz.ErrConflict)
		}
		out = inviteOf(r)
		return err
	})
	if err != nil {
		return quiz.Invite{}, fmt.Errorf("create invite for quiz %s: %w", inv.QuizID, err)
	}
	return out, nil
}

// QuizSharing lists the collaborators of quiz id, in the order they
// joined, and its invites active at now.
func (s *Store) QuizSharing(ctx context.Context, id quiz.ID, now time.Time) ([]quiz.Collaborator, []quiz.Invite, error) {
	var (
		collabs []quiz.Collaborator
		invites []quiz.Invite
	)
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		crs, err := q.QuizCollaborators(ctx, id)
		if err != nil {
			return err
		}
		irs, err := q.ActiveInvites(ctx, dbsqlc.ActiveInvitesParams{QuizID: id, Now: now})
		if err != nil {
			return err
		}
		collabs, invites = make([]quiz.Collaborator, 0, len(crs)), make([]quiz.Invite, 0, len(irs))
		for _, r := range crs {
			collabs = append(collabs, quiz.Collaborator{ID: r.ID, UserID: r.UserID, UserName: r.UserName, AddedAt: r.CreatedAt})
		}
		for _, r := range irs {
			invites = append(invites, inviteOf(dbsqlc.InsertInviteRow(r)))
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list collaborators of quiz %s: %w", id, err)
	}
	return collabs, invites, nil
}

// RemoveCollaborator deletes collaboration id of quiz quizID, or returns
// quiz.ErrNotFound. The user loses access at once.
func (s *Store) RemoveCollaborator(ctx context.Context, quizID, id quiz.ID) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.DeleteCollaborator(ctx, dbsqlc.DeleteCollaboratorParams{ID: id, QuizID: quizID})
		if err == nil && n == 0 {
			return quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("remove collaborator %s of quiz %s: %w", id, quizID, err)
	}
	return nil
}

// RevokeInvite revokes invite id of quiz quizID (again, if it was), or
// returns quiz.ErrNotFound.
func (s *Store) RevokeInvite(ctx context.Context, quizID, id quiz.ID) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.RevokeInvite(ctx, dbsqlc.RevokeInviteParams{ID: id, QuizID: quizID})
		if err == nil && n == 0 {
			return quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke invite %s of quiz %s: %w", id, quizID, err)
	}
	return nil
}

// InvitePreview reads the invite of token with its quiz's title and
// owner's name, or returns quiz.ErrNotFound.
func (s *Store) InvitePreview(ctx context.Context, token string) (quiz.InvitePreview, error) {
	var out quiz.InvitePreview
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		r, err := q.InvitePreview(ctx, token)
		if err != nil {
			return err
		}
		out = quiz.InvitePreview{
			Invite: inviteOf(dbsqlc.InsertInviteRow{ID: r.ID, QuizID: r.QuizID, Token: r.Token, CreatedByID: r.CreatedByID,
				CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, MaxUses: r.MaxUses, UseCount: r.UseCount, IsRevoked: r.IsRevoked}),
			QuizTitle: r.QuizTitle, OwnerName: r.OwnerName,
		}
		return nil
	})
	if err != nil {
		return quiz.InvitePreview{}, fmt.Errorf("read invite: %w", err) // never the token: it is a secret
	}
	return out, nil
}

// AcceptInvite makes user a collaborator of the quiz of the invite of
// token. Under the invite's row lock: the quiz's owner and an existing
// collaborator are told so and nothing changes (a retried accept is
// answered the same); otherwise an invite that cannot be used returns a
// *quiz.InviteError, and a usable one adds the collaborator and counts
// the use in the same transaction, so concurrent accepts of an invite
// with one use left admit exactly one new user. A token of no invite is
// quiz.ErrNotFound.
func (s *Store) AcceptInvite(ctx context.Context, token string, user quiz.ID, now time.Time) (quiz.Acceptance, error) {
	var out quiz.Acceptance
	err := s.inTx(ctx, func(q txQueries) error {
		r, err := q.LockInvite(ctx, token)
		if err != nil {
			return err
		}
		out = quiz.Acceptance{QuizID: r.QuizID, QuizTitle: r.QuizTitle}
		if r.OwnerID == user {
			out.Joined = quiz.JoinedOwnerAlready
			return nil
		}
		already, err := q.IsCollaborator(ctx, dbsqlc.IsCollaboratorParams{QuizID: r.QuizID, UserID: user})
		if err != nil {
			return err
		}
		if already {
			out.Joined = quiz.JoinedAlready
			return nil
		}
		inv := inviteOf(dbsqlc.InsertInviteRow{ID: r.ID, QuizID: r.QuizID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
			MaxUses: r.MaxUses, UseCount: r.UseCount, IsRevoked: r.IsRevoked})
		if msg := inv.Problem(now); msg != "" {
			return &quiz.InviteError{Msg: msg}
		}
		n, err := q.AddCollaborator(ctx, dbsqlc.AddCollaboratorParams{ID: uuid.New(), QuizID: r.QuizID, UserID: user, CreatedAt: now})
		if err != nil {
			return err
		}
		if n == 0 { // joined through another invite of the quiz meanwhile
			out.Joined = quiz.JoinedAlready
			return nil
		}
		out.Joined = quiz.JoinedNow
		return q.CountInviteUse(ctx, r.ID)
	})
	if err != nil {
		return quiz.Acceptance{}, fmt.Errorf("accept invite: %w", err)
	}
	return out, nil
}

// IsCollaborator reports whether user collaborates on quiz id.
func (s *Store) IsCollaborator(ctx context.Context, id, user quiz.ID) (bool, error) {
	var out bool
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		var err error
		out, err = q.IsCollaborator(ctx, dbsqlc.IsCollaboratorParams{QuizID: id, UserID: user})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("is %s a collaborator of quiz %s: %w", user, id, err)
	}
	return out, nil
}

// QuizSummariesVisibleTo lists the quizzes user owns or collaborates on,
// newest first, each once, without their extracted content (as
// QuizSummariesByOwner).
func (s *Store) QuizSummariesVisibleTo(ctx context.Context, user quiz.ID) ([]quiz.Quiz, error) {
	out, err := s.quizSummaries(ctx, visibleQuizSummariesSQL, user)
	if err != nil {
		return nil, fmt.Errorf("list quizzes visible to %s: %w", user, err)
	}
	return out, nil
}

// visibleQuizSummariesSQL: the owner's quizzes (ix_quiz_owner_id) and
// those shared with the user (ix_quizcollaborator_user_id), the owner
// excluded from the second half so no quiz comes twice, through the
// PL/pgSQL function of migration 000008, whose plan Postgres keeps
// (README, Database connections); visibleQuizSummariesPlainSQL is the
// same as a plain statement (TestReadFunctionsMatchColumns).
const visibleQuizSummariesSQL = `SELECT * FROM api_visible_quizzes($1)`

var visibleQuizSummariesPlainSQL = `SELECT ` + apiQuizColumns("NULL::jsonb") + `
FROM quiz q WHERE q.owner_id = $1
UNION ALL
SELECT ` + apiQuizColumns("NULL::jsonb") + `
FROM quizcollaborator c JOIN quiz q ON q.id = c.quiz_id
WHERE c.user_id = $1 AND q.owner_id <> $1
ORDER BY created_at DESC, id`

func inviteOf(r dbsqlc.InsertInviteRow) quiz.Invite {
	inv := quiz.Invite{
		ID: r.ID, QuizID: r.QuizID, CreatedBy: r.CreatedByID, Token: r.Token, CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, UseCount: int(r.UseCount), Revoked: r.IsRevoked,
	}
	if r.MaxUses != nil {
		m := int(*r.MaxUses)
		inv.MaxUses = &m
	}
	return inv
}
