package fakecanvas

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

func (s *Server) userJSON(id int64, profile bool) map[string]any {
	u := s.data.user
	if id == SecondUserID {
		u = s.data.second
	} else if id != u.ID {
		u = user{ID: id, Name: fmt.Sprintf("Test User %d", id), ShortName: "Test", Sortable: fmt.Sprintf("User %d, Test", id),
			Email: fmt.Sprintf("user%d@example.com", id), LoginID: fmt.Sprintf("user%d", id)}
	}
	m := map[string]any{"id": u.ID, "name": u.Name}
	if profile {
		m["short_name"] = u.ShortName
		m["sortable_name"] = u.Sortable
		m["title"] = nil
		m["bio"] = nil
		m["primary_email"] = u.Email
		m["login_id"] = u.LoginID
		m["integration_id"] = nil
		m["time_zone"] = "Europe/Oslo"
		m["locale"] = nil
		m["effective_locale"] = "en"
		m["avatar_url"] = "https://example.com/avatar.jpg"
		m["calendar"] = map[string]string{"ics": fmt.Sprintf("https://canvas.example/feeds/calendars/user_%d.ics", u.ID)}
	}
	return m
}

func (s *Server) selfProfile(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.userJSON(userOf(r), true))
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil || (id != s.data.user.ID && id != s.data.second.ID && id != userOf(r)) {
		apiError(w, http.StatusNotFound, "User not found")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(id, true))
}

// self is GET /api/v1/users/self: the token's user.
func (s *Server) self(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.userJSON(userOf(r), false))
}

func (s *Server) courseJSON(r *http.Request, c *course) map[string]any {
	enrolled := c.roleOf(userOf(r))
	role, roleID := "TeacherEnrollment", 4
	if enrolled == "student" {
		role, roleID = "StudentEnrollment", 3
	}
	return map[string]any{
		"id": c.ID, "name": c.Name, "account_id": 27925, "uuid": c.UUID,
		"start_at": nil, "grading_standard_id": nil, "is_public": false, "created_at": c.Created,
		"course_code": c.Code, "default_view": "wiki", "root_account_id": 1, "enrollment_term_id": 1,
		"license": "private", "grade_passback_setting": nil, "end_at": nil, "public_syllabus": false,
		"public_syllabus_to_auth": false, "storage_quota_mb": 3000, "is_public_to_auth_users": false,
		"homeroom_course": false, "course_color": nil, "friendly_name": nil,
		"apply_assignment_group_weights": false,
		"calendar":                       map[string]string{"ics": s.base(r) + "/feeds/calendars/course_" + c.UUID + ".ics"},
		"time_zone":                      "Europe/Copenhagen", "blueprint": false, "template": false,
		"enrollments": []map[string]any{{
			"type": enrolled, "role": role, "role_id": roleID, "user_id": userOf(r),
			"enrollment_state": "active", "limit_privileges_to_course_section": false,
		}},
		"hide_final_grades": false, "workflow_state": "available", "restrict_enrollments_to_course_dates": false,
	}
}

// courses is GET /api/v1/courses: the courses the token's user is
// enrolled in, only those of one enrollment type with enrollment_type
// (teacher, student), as Canvas filters them.
func (s *Server) courses(w http.ResponseWriter, r *http.Request) {
	uid, only := userOf(r), r.URL.Query().Get("enrollment_type")
	list := make([]map[string]any, 0, len(s.data.courses))
	for _, c := range s.data.courses {
		if role := c.roleOf(uid); role != "" && (only == "" || role == only) {
			list = append(list, s.courseJSON(r, c))
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

// teacherCourse finds the course of the request's {course} and checks
// that the user teaches it; it writes 404 or 403 and returns nil if not.
func (s *Server) teacherCourse(w http.ResponseWriter, r *http.Request, what string) *course {
	id, err := strconv.ParseInt(r.PathValue("course"), 10, 64)
	var c *course
	if err == nil {
		c = s.data.course(id)
	}
	switch {
	case c == nil:
		apiError(w, http.StatusNotFound, "The specified resource does not exist.")
		return nil
	case c.roleOf(userOf(r)) != "teacher":
		apiError(w, http.StatusForbidden, "Unauthorized access to "+what)
		return nil
	}
	return c
}

func (s *Server) modules(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course modules")
	if c == nil {
		return
	}
	api := requestBase(r) + "/api/v1/courses/" + itoa(c.ID) + "/modules/"
	list := make([]map[string]any, 0, len(c.Modules))
	for _, m := range c.Modules {
		list = append(list, map[string]any{
			"id": m.ID, "name": m.Name, "position": m.Position, "unlock_at": nil,
			"require_sequential_progress": false, "requirement_type": "all", "publish_final_grade": false,
			"prerequisite_module_ids": []int64{}, "published": true, "items_count": len(m.Items),
			"items_url": api + itoa(m.ID) + "/items",
		})
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

func (s *Server) moduleItems(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course module items")
	if c == nil {
		return
	}
	list := []map[string]any{}
	mid, err := strconv.ParseInt(r.PathValue("module"), 10, 64)
	if m := c.module(mid); err == nil && m != nil {
		base := s.base(r)
		for i, it := range m.Items {
			obj := map[string]any{
				"id": it.ID, "title": it.Title, "position": i + 1, "indent": it.Indent, "quiz_lti": false,
				"type": it.Type, "module_id": m.ID, "published": true, "unpublishable": false,
			}
			switch it.Type {
			case "Page":
				obj["page_url"] = it.PageURL
				obj["publish_at"] = nil
				obj["content_id"] = it.ContentID
				obj["html_url"] = base + "/courses/" + itoa(c.ID) + "/modules/items/" + itoa(it.ID)
				obj["url"] = base + "/api/v1/courses/" + itoa(c.ID) + "/pages/" + it.PageURL
			case "File":
				obj["content_id"] = it.ContentID
				obj["html_url"] = base + "/courses/" + itoa(c.ID) + "/modules/items/" + itoa(it.ID)
				obj["url"] = base + "/api/v1/courses/" + itoa(c.ID) + "/files/" + itoa(it.ContentID)
			case "Assignment":
				obj["content_id"] = it.ContentID
				obj["html_url"] = base + "/courses/" + itoa(c.ID) + "/modules/items/" + itoa(it.ID)
				obj["url"] = base + "/api/v1/courses/" + itoa(c.ID) + "/assignments/" + itoa(it.ContentID)
			}
			list = append(list, obj)
		}
	}
	// An unknown module is an empty list, as in the original mock.
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course pages")
	if c == nil {
		return
	}
	p, ok := s.data.pages[pageKey{c.ID, r.PathValue("page")}]
	if !ok {
		apiError(w, http.StatusNotFound, "Page not found")
		return
	}
	base := s.base(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"title": p.Title, "created_at": p.Created, "url": p.Slug, "editing_roles": "teachers",
		"page_id": p.PageID,
		"last_edited_by": map[string]any{
			"id": s.data.user.ID, "anonymous_id": "9ix", "display_name": s.data.user.Name,
			"avatar_image_url": "https://example.com/avatar.jpg",
			"html_url":         base + "/courses/" + itoa(c.ID) + "/users/" + itoa(s.data.user.ID),
		},
		"published": true, "hide_from_students": false, "front_page": false,
		"html_url": base + "/courses/" + itoa(c.ID) + "/pages/" + p.Slug, "todo_date": nil, "publish_at": nil,
		"updated_at": p.Updated, "locked_for_user": false, "body": p.Body,
	})
}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course files")
	if c == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	f, ok := s.data.files[id]
	if err != nil || !ok || f.CourseID != c.ID {
		apiError(w, http.StatusNotFound, "File not found")
		return
	}
	data, err := s.fileBytes(id)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "render file: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": f.ID, "folder_id": f.FolderID, "display_name": f.DisplayName, "filename": f.Filename,
		"uuid": f.UUID, "upload_status": "success", "content-type": f.ContentType,
		"url":  s.downloadURL(r, f.ID),
		"size": len(data), "created_at": f.Created, "updated_at": f.Updated, "unlock_at": nil,
		"locked": false, "hidden": false, "lock_at": nil, "hidden_for_user": false, "thumbnail_url": nil,
		"modified_at": f.Updated, "mime_class": f.MimeClass, "media_entry_id": nil, "category": "uncategorized",
		"locked_for_user": false, "visibility_level": "inherit", "canvadoc_session_url": nil,
		"crocodoc_session_url": nil,
	})
}

// DownloadURL returns the download URL the metadata of fileID carries,
// verifier included, on BaseURL (set by NewTest).
func (s *Server) DownloadURL(fileID int64) string { return s.downloadURL(nil, fileID) }

// downloadURL is DownloadURL on the address of r when BaseURL is empty.
func (s *Server) downloadURL(r *http.Request, fileID int64) string {
	s.mu.Lock()
	v := s.verifiers[fileID]
	s.mu.Unlock()
	base := s.baseURL
	if base == "" && r != nil {
		base = requestBase(r)
	}
	return base + "/files/" + itoa(fileID) + "/download?download_frd=1&verifier=" + v
}

// FileBytes returns the content the fake serves for a file, for tests
// that compare downloads; ok is false for an unknown id.
func (s *Server) FileBytes(fileID int64) (data []byte, ok bool) {
	if _, known := s.data.files[fileID]; !known {
		return nil, false
	}
	data, err := s.fileBytes(fileID)
	return data, err == nil
}

// fileBytes renders every file once, on first use.
func (s *Server) fileBytes(id int64) ([]byte, error) {
	s.blobsOnce.Do(func() {
		s.blobs = map[int64][]byte{}
		for fid, f := range s.data.files {
			b, err := f.render()
			if err != nil {
				s.blobsErr = err
				return
			}
			s.blobs[fid] = b
		}
	})
	if s.blobsErr != nil {
		return nil, s.blobsErr
	}
	return s.blobs[id], nil
}

// download is GET /files/{id}/download?download_frd=1&verifier=...: no
// Authorization needed, the verifier proves access. One file answers with
// a 302 to a storage URL, like Canvas's inst-fs.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	f, ok := s.data.files[id]
	if err != nil || !ok {
		apiError(w, http.StatusNotFound, "File not found")
		return
	}
	s.mu.Lock()
	want, key := s.verifiers[id], s.blobKeys[id]
	s.mu.Unlock()
	if r.URL.Query().Get("verifier") != want {
		apiError(w, http.StatusUnauthorized, "user authorization required")
		return
	}
	if f.Redirect {
		target := s.base(r) + "/inst-fs/files/" + itoa(id) + "/" + url.PathEscape(f.Filename) + "?token=" + key
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	s.serveFile(w, f)
}

// blob is the redirect target of download: a storage URL carrying its own
// token in the query.
func (s *Server) blob(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	f, ok := s.data.files[id]
	if err != nil || !ok {
		apiError(w, http.StatusNotFound, "File not found")
		return
	}
	s.mu.Lock()
	key := s.blobKeys[id]
	s.mu.Unlock()
	if r.URL.Query().Get("token") != key {
		apiError(w, http.StatusForbidden, "Invalid or expired token")
		return
	}
	s.serveFile(w, f)
}

func (s *Server) serveFile(w http.ResponseWriter, f *file) {
	data, err := s.fileBytes(f.ID)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "render file: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.DisplayName))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
