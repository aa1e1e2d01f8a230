package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Canvas ids of the other users of the sharing tests (the fake issues
// tokens for any id; only teacherID teaches its courses).
const (
	shareCollabCanvasID   = 22001
	shareStrangerCanvasID = 22002
)

// shareTokenRE is a 43-character URL-safe token (32 random bytes).
var shareTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// shareSignIn signs in the user of canvasID and names them.
func (e *env) shareSignIn(canvasID int64, name string) user {
	e.t.Helper()
	u := e.signIn(canvasID)
	stored, err := e.store.UpdateUserProfile(e.t.Context(), u.ID, true, &name, nil)
	require.NoError(e.t, err)
	u.User = stored
	return u
}

// shareInvite creates an invite on quiz id as owner with body and returns
// its JSON.
func (e *env) shareInvite(owner user, id string, body any) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/quiz/"+id+"/invites", owner.jwt, body)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

// shareJoin makes u a collaborator of the quiz of invite token.
func (e *env) shareJoin(u user, token string) {
	e.t.Helper()
	r := e.do("POST", "/quiz/invite/"+token+"/accept", u.jwt, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	require.Equal(e.t, "You now have access to this quiz", r.obj()["message"])
}

// shareQuizIDs lists the ids of GET /quiz/ for u, in order.
func (e *env) shareQuizIDs(u user) []string {
	e.t.Helper()
	r := e.do("GET", "/quiz/", u.jwt, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	out := []string{}
	for _, q := range r.list() {
		out = append(out, q.(map[string]any)["id"].(string))
	}
	return out
}

// shareCollaborators is the owner's GET /quiz/{id}/collaborators.
func (e *env) shareCollaborators(owner user, id string) map[string]any {
	e.t.Helper()
	r := e.do("GET", "/quiz/"+id+"/collaborators", owner.jwt, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

// TestSharingFlow: the owner shares a quiz through an invite link; a
// second teacher previews and accepts it, sees the quiz in their list and
// reviews its questions, which the owner exports; the owner lists and
// removes them, and they lose access at once; a revoked link previews as
// such and cannot be accepted.
func TestSharingFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	collab := e.shareSignIn(shareCollabCanvasID, "Carl Collaborator")
	stranger := e.shareSignIn(shareStrangerCanvasID, "Stina Stranger")
	id := e.createQuiz(owner)["id"].(string)
	qs := e.addTypedQuestions(id)

	// The owner creates the link, as today's share dialog does.
	before := time.Now().UTC().Add(-time.Second)
	r := e.do("POST", "/quiz/"+id+"/invites", owner.jwt, map[string]any{"expires_in_days": 7, "max_uses": nil})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []string{"id", "token", "invite_url", "quiz_id", "quiz_title", "created_at", "expires_at", "max_uses", "use_count", "is_revoked"},
		keysInOrder(t, r.Body.Bytes()), "fields of QuizInviteResponse")
	inv := r.obj()
	token := inv["token"].(string)
	assert.Regexp(t, shareTokenRE, token)
	assert.Equal(t, frontend+"/invite/"+token, inv["invite_url"])
	assert.Equal(t, id, inv["quiz_id"])
	assert.Equal(t, "Midterm", inv["quiz_title"])
	assert.Nil(t, inv["max_uses"])
	assert.Equal(t, float64(0), inv["use_count"])
	assert.Equal(t, false, inv["is_revoked"])
	assertPyTime(t, inv["created_at"], "created_at")
	assertPyTime(t, inv["expires_at"], "expires_at")
	created, err := time.Parse(time.RFC3339Nano, inv["created_at"].(string))
	require.NoError(t, err)
	expires, err := time.Parse(time.RFC3339Nano, inv["expires_at"].(string))
	require.NoError(t, err)
	assert.True(t, created.After(before), "created_at %s is now", created)
	assert.Equal(t, 7*24*time.Hour, expires.Sub(created).Round(time.Second), "expires 7 days after creation")

	assertDetail(t, e.do("POST", "/quiz/"+id+"/invites", owner.jwt, map[string]any{}), http.StatusConflict,
		"Quiz already has an active invite. Revoke it first to create a new one.")

	// The second teacher previews the link, then accepts it.
	assert.NotContains(t, e.shareQuizIDs(collab), id)
	assertDetail(t, e.do("GET", "/quiz/"+id, collab.jwt, nil), http.StatusNotFound, "Quiz not found")
	r = e.do("GET", "/quiz/invite/"+token, collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []string{"quiz_title", "owner_name", "is_valid", "message"}, keysInOrder(t, r.Body.Bytes()))
	assert.Equal(t, map[string]any{"quiz_title": "Midterm", "owner_name": "Olga Owner", "is_valid": true, "message": nil}, r.obj())

	r = e.do("POST", "/quiz/invite/"+token+"/accept", collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []string{"success", "quiz_id", "quiz_title", "message"}, keysInOrder(t, r.Body.Bytes()))
	assert.Equal(t, map[string]any{"success": true, "quiz_id": id, "quiz_title": "Midterm", "message": "You now have access to this quiz"}, r.obj())

	// Accepting again, or as the owner, changes nothing.
	r = e.do("POST", "/quiz/invite/"+token+"/accept", collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "You already have access to this quiz", r.obj()["message"])
	r = e.do("POST", "/quiz/invite/"+token+"/accept", owner.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"success": true, "quiz_id": id, "quiz_title": "Midterm", "message": "You already own this quiz"}, r.obj())

	// The collaborator sees the quiz and reviews its questions.
	assert.Equal(t, []string{id}, e.shareQuizIDs(collab), "the shared quiz, once")
	assert.Equal(t, []string{id}, e.shareQuizIDs(owner))
	r = e.do("GET", "/quiz/"+id, collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, owner.ID.String(), r.obj()["owner_id"], "the owner stays the owner")
	assert.Len(t, e.do("GET", "/questions/"+id, collab.jwt, nil).list(), len(qs))
	q0 := qs[0].ID.String()
	r = e.do("PUT", "/questions/"+id+"/"+q0, collab.jwt, map[string]any{"tags": []string{"reviewed"}})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []any{"reviewed"}, r.obj()["tags"])
	r = e.do("PUT", "/questions/"+id+"/"+q0+"/approve", collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, true, r.obj()["is_approved"])
	r = e.do("GET", "/quiz/"+id+"/questions/stats", collab.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"total": float64(len(qs)), "approved": float64(1)}, r.obj())

	// The owner exports what the collaborator approved; the collaborator
	// may not.
	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'completed' WHERE id = $1`, id)
	assert.Equal(t, "ready_for_review", e.do("GET", "/quiz/"+id, collab.jwt, nil).obj()["status"])
	assertDetail(t, e.do("POST", "/quiz/"+id+"/export", collab.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertMessage(t, e.do("POST", "/quiz/"+id+"/export", owner.jwt, nil), "Quiz export started")
	assert.Equal(t, "exporting_to_canvas", e.do("GET", "/quiz/"+id, collab.jwt, nil).obj()["status"])

	// Sharing stays the owner's.
	for _, req := range []struct{ method, path string }{
		{"GET", "/quiz/" + id + "/collaborators"},
		{"POST", "/quiz/" + id + "/invites"},
		{"DELETE", "/quiz/" + id + "/invites/" + inv["id"].(string)},
	} {
		assertDetail(t, e.do(req.method, req.path, collab.jwt, map[string]any{}), http.StatusNotFound, "Quiz not found")
	}

	// The owner lists the collaborators and the active link.
	r = e.do("GET", "/quiz/"+id+"/collaborators", owner.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []string{"quiz_id", "owner_id", "owner_name", "collaborators", "active_invites"}, keysInOrder(t, r.Body.Bytes()))
	list := r.obj()
	assert.Equal(t, id, list["quiz_id"])
	assert.Equal(t, owner.ID.String(), list["owner_id"])
	assert.Equal(t, "Olga Owner", list["owner_name"])
	collabs := list["collaborators"].([]any)
	require.Len(t, collabs, 1)
	c0 := collabs[0].(map[string]any)
	assert.Equal(t, collab.ID.String(), c0["user_id"])
	assert.Equal(t, "Carl Collaborator", c0["user_name"])
	assert.NotEqual(t, collab.ID.String(), c0["id"], "the collaboration's own id")
	assertPyTime(t, c0["added_at"], "added_at")
	invites := list["active_invites"].([]any)
	require.Len(t, invites, 1)
	active := invites[0].(map[string]any)
	assert.Equal(t, inv["id"], active["id"])
	assert.Equal(t, inv["invite_url"], active["invite_url"])
	assert.Equal(t, float64(1), active["use_count"], "one use: the repeated accepts were not counted")

	// Removing the collaborator ends their access at once.
	collabID := c0["id"].(string)
	assertMessage(t, e.do("DELETE", "/quiz/"+id+"/collaborators/"+collabID, owner.jwt, nil), "Collaborator removed successfully")
	assertDetail(t, e.do("DELETE", "/quiz/"+id+"/collaborators/"+collabID, owner.jwt, nil), http.StatusNotFound, "Collaborator not found")
	assertDetail(t, e.do("DELETE", "/quiz/"+id+"/collaborators/"+collab.ID.String(), owner.jwt, nil), http.StatusNotFound,
		"Collaborator not found")
	oneFieldErr(t, e.do("DELETE", "/quiz/"+id+"/collaborators/nope", owner.jwt, nil), "uuid_parsing", "path", "collaborator_id")
	assertDetail(t, e.do("GET", "/quiz/"+id, collab.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, e.do("GET", "/questions/"+id, collab.jwt, nil), http.StatusNotFound, "Quiz not found")
	assert.Empty(t, e.shareQuizIDs(collab))
	assert.Empty(t, e.shareCollaborators(owner, id)["collaborators"])

	// A revoked link previews as revoked and cannot be accepted.
	assertMessage(t, e.do("DELETE", "/quiz/"+id+"/invites/"+inv["id"].(string), owner.jwt, nil), "Invite revoked successfully")
	assertDetail(t, e.do("DELETE", "/quiz/"+id+"/invites/"+randomUUID, owner.jwt, nil), http.StatusNotFound, "Invite not found")
	oneFieldErr(t, e.do("DELETE", "/quiz/"+id+"/invites/nope", owner.jwt, nil), "uuid_parsing", "path", "invite_id")
	r = e.do("GET", "/quiz/invite/"+token, stranger.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"quiz_title": "Midterm", "owner_name": "Olga Owner", "is_valid": false,
		"message": "This invite has been revoked"}, r.obj())
	assertDetail(t, e.do("POST", "/quiz/invite/"+token+"/accept", stranger.jwt, nil), http.StatusGone, "This invite has been revoked")
	assert.Empty(t, e.shareQuizIDs(stranger))
	assert.Empty(t, e.shareCollaborators(owner, id)["active_invites"])

	// After revoking, a new link can be made.
	again := e.shareInvite(owner, id, map[string]any{})
	assert.NotEqual(t, token, again["token"])
}

// TestSharingInviteValidity: an expired or used-up link previews with why
// and cannot be accepted (410), an unknown one previews as not found and
// is 404 on accept, and such a link no longer blocks a new one.
func TestSharingInviteValidity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	first := e.shareSignIn(shareCollabCanvasID, "Carl Collaborator")
	late := e.shareSignIn(shareStrangerCanvasID, "Stina Stranger")
	id := e.createQuiz(owner)["id"].(string)

	preview := func(u user, token string) map[string]any {
		t.Helper()
		r := e.do("GET", "/quiz/invite/"+token, u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		return r.obj()
	}

	t.Run("unknown", func(t *testing.T) {
		unknown := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		assert.Equal(t, map[string]any{"quiz_title": "", "owner_name": nil, "is_valid": false, "message": "Invite not found"},
			preview(late, unknown))
		assertDetail(t, e.do("POST", "/quiz/invite/"+unknown+"/accept", late.jwt, nil), http.StatusNotFound, "Invite not found")
		assertDetail(t, e.do("GET", "/quiz/invite/"+unknown, "", nil), http.StatusUnauthorized, "Not authenticated")
	})

	t.Run("used up", func(t *testing.T) {
		inv := e.shareInvite(owner, id, map[string]any{"max_uses": 1})
		assert.Equal(t, float64(1), inv["max_uses"])
		token := inv["token"].(string)
		e.shareJoin(first, token)
		assert.Equal(t, map[string]any{"quiz_title": "Midterm", "owner_name": "Olga Owner", "is_valid": false,
			"message": "This invite has reached its maximum number of uses"}, preview(late, token))
		assertDetail(t, e.do("POST", "/quiz/invite/"+token+"/accept", late.jwt, nil), http.StatusGone,
			"This invite has reached its maximum number of uses")
		r := e.do("POST", "/quiz/invite/"+token+"/accept", first.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, "You already have access to this quiz", r.obj()["message"], "a retried accept is answered the same")
		assert.Empty(t, e.shareCollaborators(owner, id)["active_invites"], "a used-up invite is not active")
		assert.Equal(t, []string{id}, e.shareQuizIDs(first))
		assert.Empty(t, e.shareQuizIDs(late))
	})

	t.Run("expired", func(t *testing.T) {
		inv := e.shareInvite(owner, id, map[string]any{"expires_in_days": 1})
		token := inv["token"].(string)
		assert.Equal(t, true, preview(late, token)["is_valid"])
		e.sql(`UPDATE quizinvite SET expires_at = now() - interval '1 minute' WHERE id = $1`, inv["id"])
		assert.Equal(t, map[string]any{"quiz_title": "Midterm", "owner_name": "Olga Owner", "is_valid": false,
			"message": "This invite has expired"}, preview(late, token))
		assertDetail(t, e.do("POST", "/quiz/invite/"+token+"/accept", late.jwt, nil), http.StatusGone, "This invite has expired")
		assert.Empty(t, e.shareCollaborators(owner, id)["active_invites"], "an expired invite is not active")

		// A new link replaces it; the old one still says why it fails.
		fresh := e.shareInvite(owner, id, map[string]any{"expires_in_days": nil})
		assert.Nil(t, fresh["expires_at"], "null: never expires")
		assert.Equal(t, "This invite has expired", preview(late, token)["message"])
		e.shareJoin(late, fresh["token"].(string))
		assert.Equal(t, []string{id}, e.shareQuizIDs(late))
	})
}

// TestSharingCreateInviteValidation: QuizInviteCreate's bounds are 422s at
// their field, like our other routes; only the owner may create one.
func TestSharingCreateInviteValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	other := e.shareSignIn(shareStrangerCanvasID, "Stina Stranger")
	id := e.createQuiz(owner)["id"].(string)
	post := func(body any) resp { return e.do("POST", "/quiz/"+id+"/invites", owner.jwt, body) }

	for _, tc := range []struct {
		name  string
		body  any
		typ   string
		field string
	}{
		{"zero days", map[string]any{"expires_in_days": 0}, "greater_than_equal", "expires_in_days"},
		{"31 days", map[string]any{"expires_in_days": 31}, "less_than_equal", "expires_in_days"},
		{"days not a number", map[string]any{"expires_in_days": "soon"}, "int_parsing", "expires_in_days"},
		{"fractional days", map[string]any{"expires_in_days": 1.5}, "int_from_float", "expires_in_days"},
		{"days a list", map[string]any{"expires_in_days": []int{1}}, "int_type", "expires_in_days"},
		{"zero uses", map[string]any{"max_uses": 0}, "greater_than_equal", "max_uses"},
		{"101 uses", map[string]any{"max_uses": 101}, "less_than_equal", "max_uses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oneFieldErr(t, post(tc.body), tc.typ, "body", tc.field)
		})
	}
	t.Run("no body", func(t *testing.T) {
		oneFieldErr(t, post(nil), "missing", "body")
	})
	t.Run("bad quiz id", func(t *testing.T) {
		oneFieldErr(t, e.do("POST", "/quiz/nope/invites", owner.jwt, map[string]any{}), "uuid_parsing", "path", "quiz_id")
	})
	t.Run("not the owner", func(t *testing.T) {
		assertDetail(t, e.do("POST", "/quiz/"+id+"/invites", other.jwt, map[string]any{}), http.StatusNotFound, "Quiz not found")
		assertDetail(t, e.do("POST", "/quiz/"+randomUUID+"/invites", owner.jwt, map[string]any{}), http.StatusNotFound, "Quiz not found")
	})
	t.Run("bounds accepted", func(t *testing.T) {
		inv := e.shareInvite(owner, id, map[string]any{"expires_in_days": 30, "max_uses": 100})
		assert.Equal(t, float64(100), inv["max_uses"])
		assertMessage(t, e.do("DELETE", "/quiz/"+id+"/invites/"+inv["id"].(string), owner.jwt, nil), "Invite revoked successfully")
		inv = e.shareInvite(owner, id, map[string]any{"expires_in_days": "1", "max_uses": 1.0})
		assert.Equal(t, float64(1), inv["max_uses"], "pydantic's lax integers")
	})
}

// TestSharingConcurrentAccepts: users accepting an invite with one use at
// the same time: exactly one becomes a collaborator, the others get 410,
// and the use is counted once.
func TestSharingConcurrentAccepts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	id := e.createQuiz(owner)["id"].(string)
	token := e.shareInvite(owner, id, map[string]any{"max_uses": 1})["token"].(string)

	const n = 8
	users := make([]user, n)
	for i := range users {
		users[i] = e.shareSignIn(int64(23000+i), "Racer")
	}
	codes := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range users {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			codes[i] = e.do("POST", "/quiz/invite/"+token+"/accept", users[i].jwt, nil).Code
		}()
	}
	start.Done()
	done.Wait()

	admitted := 0
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			admitted++
		case http.StatusGone:
		default:
			t.Errorf("user %d: status %d", i, code)
		}
	}
	assert.Equal(t, 1, admitted, "statuses %v", codes)
	assert.Len(t, e.shareCollaborators(owner, id)["collaborators"], 1)
	var uses int
	require.NoError(t, e.tdb.Conn(t).QueryRow(t.Context(), `SELECT use_count FROM quizinvite WHERE token = $1`, token).Scan(&uses))
	assert.Equal(t, 1, uses)
}

// TestSharingQuizList: GET /quiz/ lists the caller's own quizzes and those
// shared with them together, newest first, each once.
func TestSharingQuizList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	collab := e.shareSignIn(shareCollabCanvasID, "Carl Collaborator")
	oldest := e.createQuiz(owner)["id"].(string)
	middle := e.createQuiz(owner)["id"].(string)
	newest := e.createQuiz(owner)["id"].(string)
	e.sql(`UPDATE quiz SET created_at = now() - interval '3 days' WHERE id = $1`, oldest)
	e.sql(`UPDATE quiz SET created_at = now() - interval '2 days', owner_id = $2 WHERE id = $1`, middle, collab.ID)
	e.sql(`UPDATE quiz SET created_at = now() - interval '1 day' WHERE id = $1`, newest)
	e.shareJoin(collab, e.shareInvite(owner, oldest, map[string]any{})["token"].(string))
	e.shareJoin(collab, e.shareInvite(owner, newest, map[string]any{})["token"].(string))

	assert.Equal(t, []string{newest, middle, oldest}, e.shareQuizIDs(collab), "own and shared, newest first")
	assert.Equal(t, []string{newest, oldest}, e.shareQuizIDs(owner))
	// The owner accepting a link of their own quiz does not list it twice.
	r := e.do("POST", "/quiz/invite/"+e.shareInvite(collab, middle, map[string]any{})["token"].(string)+"/accept", collab.jwt, nil)
	assert.Equal(t, "You already own this quiz", r.obj()["message"])
	assert.Equal(t, []string{newest, middle, oldest}, e.shareQuizIDs(collab))
}

// TestSharingDeleteUser: deleting a collaborator, or an owner whose quiz is
// shared and has invites, works and takes their sharing with them.
func TestSharingDeleteUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	collab := e.shareSignIn(shareCollabCanvasID, "Carl Collaborator")
	other := e.shareSignIn(shareStrangerCanvasID, "Stina Stranger")
	id := e.createQuiz(owner)["id"].(string)
	e.shareJoin(collab, e.shareInvite(owner, id, map[string]any{})["token"].(string))
	e.shareJoin(other, e.shareCollaborators(owner, id)["active_invites"].([]any)[0].(map[string]any)["token"].(string))

	assertMessage(t, e.do("DELETE", "/api/v1/users/me", collab.jwt, nil), "User deleted successfully")
	collabs := e.shareCollaborators(owner, id)["collaborators"].([]any)
	require.Len(t, collabs, 1, "the deleted user's collaboration went with them")
	assert.Equal(t, other.ID.String(), collabs[0].(map[string]any)["user_id"])

	assertMessage(t, e.do("DELETE", "/api/v1/users/me", owner.jwt, nil), "User deleted successfully")
	assertDetail(t, e.do("GET", "/quiz/"+id, other.jwt, nil), http.StatusNotFound, "Quiz not found")
	assert.Empty(t, e.shareQuizIDs(other))
	var left int
	require.NoError(t, e.tdb.Conn(t).QueryRow(t.Context(),
		`SELECT (SELECT count(*) FROM quizinvite) + (SELECT count(*) FROM quizcollaborator)`).Scan(&left))
	assert.Zero(t, left, "the quiz's invites and collaborators went with it")
}

// shareLockedBuffer is a bytes.Buffer safe for a logger's concurrent use.
type shareLockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *shareLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *shareLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSharingTokenNotLogged: an invite's token grants access to a quiz, so
// no log line shows it: not the access log of a preview, an accept, a
// refused accept or a redirected path, nor an error's.
func TestSharingTokenNotLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.shareSignIn(teacherID, "Olga Owner")
	collab := e.shareSignIn(shareCollabCanvasID, "Carl Collaborator")
	late := e.shareSignIn(shareStrangerCanvasID, "Stina Stranger")
	id := e.createQuiz(owner)["id"].(string)
	token := e.shareInvite(owner, id, map[string]any{"max_uses": 1})["token"].(string)

	var logs shareLockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logged := e.withHandler(t, nil, log)

	assert.Equal(t, http.StatusOK, logged.do("GET", "/quiz/invite/"+token, collab.jwt, nil).Code)
	assert.Equal(t, http.StatusOK, logged.do("POST", "/quiz/invite/"+token+"/accept", collab.jwt, nil).Code)
	assert.Equal(t, http.StatusGone, logged.do("POST", "/quiz/invite/"+token+"/accept", late.jwt, nil).Code)
	assert.Equal(t, http.StatusTemporaryRedirect, logged.do("GET", "/quiz/invite/"+token+"/", collab.jwt, nil).Code)
	assert.Equal(t, http.StatusNotFound, logged.do("GET", "/quiz/invite/"+token+"/x/y", collab.jwt, nil).Code)
	out := logs.String()
	assert.Contains(t, out, `/quiz/invite/{token}/accept`, "the requests were logged")
	assert.NotContains(t, out, token)
}
