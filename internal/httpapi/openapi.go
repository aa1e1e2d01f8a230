package httpapi

import (
	"net/http"
	"strconv"
	"strings"
)

// openAPI serves the OpenAPI 3 document built from the route table, so the
// document and the router cannot drift apart.
func (s *Server) openAPI(c *call) error {
	writeJSONBytes(c.w, http.StatusOK, s.doc())
	return nil
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func obj(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func str() map[string]any            { return map[string]any{"type": "string"} }
func strFmt(f string) map[string]any { return map[string]any{"type": "string", "format": f} }
func integer() map[string]any        { return map[string]any{"type": "integer"} }
func nullable(m map[string]any) map[string]any {
	return map[string]any{"anyOf": []any{m, map[string]any{"type": "null"}}}
}
func arrayOf(m map[string]any) map[string]any { return map[string]any{"type": "array", "items": m} }

func schemas() map[string]any {
	status := map[string]any{"type": "string", "enum": []string{"pending", "processing", "completed", "failed"}}
	ts := nullable(strFmt("date-time"))
	return map[string]any{
		"HTTPError": obj([]string{"detail"}, map[string]any{"detail": str()}),
		"ValidationError": obj([]string{"loc", "msg", "type"}, map[string]any{
			"loc": arrayOf(map[string]any{"anyOf": []any{str(), integer()}}), "msg": str(), "type": str(),
			"input": map[string]any{}, "ctx": map[string]any{"type": "object"}}),
		"HTTPValidationError": obj(nil, map[string]any{"detail": arrayOf(ref("ValidationError"))}),
		"Message":             obj([]string{"message"}, map[string]any{"message": str()}),
		"Redirect":            obj(nil, map[string]any{}),
		"True":                map[string]any{"type": "boolean", "const": true},
		"Object":              map[string]any{"type": "object"},
		"QuizCreate": obj([]string{"canvas_course_id", "canvas_course_name", "selected_modules", "title"}, map[string]any{
			"canvas_course_id":   integer(),
			"canvas_course_name": str(),
			"selected_modules":   map[string]any{"type": "object", "additionalProperties": str(), "description": "module id → module name, in the order to extract"},
			"title":              map[string]any{"type": "string", "minLength": 1, "maxLength": 255},
			"question_count":     map[string]any{"type": "integer", "minimum": 1, "maximum": 200, "default": 100},
			"llm_model":          map[string]any{"type": "string", "default": "o3"},
			"llm_temperature":    map[string]any{"type": "number", "minimum": 0, "maximum": 2, "default": 1},
		}),
		"Quiz": obj([]string{"id", "owner_id", "canvas_course_id", "canvas_course_name", "selected_modules", "title",
			"question_count", "llm_model", "llm_temperature", "content_extraction_status", "llm_generation_status", "export_status"},
			map[string]any{
				"id": strFmt("uuid"), "owner_id": strFmt("uuid"), "canvas_course_id": integer(), "canvas_course_name": str(),
				"selected_modules": map[string]any{"type": "string", "description": "JSON text: {\"<module id>\": \"<name>\", ...}"},
				"title":            str(), "question_count": integer(), "llm_model": str(), "llm_temperature": map[string]any{"type": "number"},
				"content_extraction_status": status, "llm_generation_status": status,
				"extracted_content":    nullable(map[string]any{"type": "string", "description": "JSON text: {\"module_<id>\": [{title, content, type, content_type?}]}"}),
				"content_extracted_at": ts, "created_at": ts, "updated_at": ts,
				"canvas_quiz_id": nullable(str()), "export_status": status, "exported_at": ts,
				"failure_reason": nullable(map[string]any{"type": "string", "description": "why the last failed stage failed"}),
			}),
		"QuizList":      arrayOf(ref("Quiz")),
		"QuestionStats": obj([]string{"total", "approved"}, map[string]any{"total": integer(), "approved": integer()}),
		"Question": obj([]string{"id", "quiz_id", "question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer", "is_approved"},
			map[string]any{
				"id": strFmt("uuid"), "quiz_id": strFmt("uuid"), "question_text": str(), "option_a": str(), "option_b": str(),
				"option_c": str(), "option_d": str(), "correct_answer": map[string]any{"type": "string", "enum": []string{"A", "B", "C", "D"}},
				"is_approved": map[string]any{"type": "boolean"}, "approved_at": ts, "created_at": ts, "updated_at": ts,
				"canvas_item_id": nullable(str()),
			}),
		"QuestionList": arrayOf(ref("Question")),
		"QuestionUpdate": obj(nil, map[string]any{
			"question_text":  map[string]any{"type": "string", "minLength": 1, "maxLength": 2000},
			"option_a":       map[string]any{"type": "string", "minLength": 1, "maxLength": 500},
			"option_b":       map[string]any{"type": "string", "minLength": 1, "maxLength": 500},
			"option_c":       map[string]any{"type": "string", "minLength": 1, "maxLength": 500},
			"option_d":       map[string]any{"type": "string", "minLength": 1, "maxLength": 500},
			"correct_answer": map[string]any{"type": "string", "pattern": "^[ABCD]$"},
		}),
		"UserPublic": obj([]string{"name", "onboarding_completed"}, map[string]any{"name": str(), "onboarding_completed": map[string]any{"type": "boolean"}}),
		"UserUpdateMe": obj([]string{"name"}, map[string]any{"name": map[string]any{"type": "string", "maxLength": 255},
			"onboarding_completed": map[string]any{"type": "boolean"}}),
		"CanvasCourseList": arrayOf(obj([]string{"id", "name"}, map[string]any{"id": integer(), "name": str()})),
		"CanvasModuleList": arrayOf(obj([]string{"id", "name"}, map[string]any{"id": integer(), "name": str()})),
		"CanvasModuleItemList": arrayOf(obj([]string{"id", "title", "type"}, map[string]any{
			"id": integer(), "title": str(), "type": str(), "html_url": nullable(str()), "page_url": nullable(str()), "url": nullable(str())})),
		"CanvasPage": obj([]string{"title", "body", "url"}, map[string]any{"title": str(), "body": str(), "url": str(),
			"created_at": nullable(str()), "updated_at": nullable(str())}),
		"CanvasFile": obj([]string{"id"}, map[string]any{"id": integer(), "display_name": str(), "filename": str(),
			"content-type": str(), "url": str(), "size": integer(), "created_at": nullable(str()), "updated_at": nullable(str()), "mime_class": str()}),
		"DBHealth": obj([]string{"status"}, map[string]any{
			"status": map[string]any{"type": "string", "enum": []string{"healthy", "degraded", "unhealthy"}},
		}),
	}
}

// pathParamSchema is the type of each path parameter name.
func pathParamSchema(name string) map[string]any {
	switch name {
	case "quiz_id", "question_id", "collaborator_id", "invite_id":
		return strFmt("uuid")
	case "course_id", "module_id", "file_id":
		return integer()
	}
	return str()
}

var errorText = map[int]string{ //nolint:gochecknoglobals // read-only table
	400: "Bad request", 401: "Missing, invalid or revoked app token (WWW-Authenticate: Bearer)",
	403: "Canvas refused access", 404: "Not found (also another user's quiz)", 409: "A job is already running or done",
	422: "Validation error", 429: "A usage limit was reached (Retry-After: seconds until it frees up, when it does)",
	500: "Unexpected error", 503: "A dependency is unavailable; nothing was changed",
}

// respSchema is the schema of a 200 answer: op.resp names a schema, or
// "[]Name" an array of one.
func respSchema(resp string) map[string]any {
	if name, ok := strings.CutPrefix(resp, "[]"); ok {
		return arrayOf(ref(name))
	}
	return ref(resp)
}

// buildOpenAPI builds the document of routes, with their schemas.
func buildOpenAPI(title string, routes []*route, schemas map[string]any) map[string]any {
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		var params []any
		for _, seg := range splitPath(rt.pattern) {
			if strings.HasPrefix(seg, "{") {
				name := seg[1 : len(seg)-1]
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": pathParamSchema(name)})
			}
		}
		for _, q := range rt.op.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required, "schema": map[string]any{"type": q.typ}})
		}
		ok := map[string]any{"description": "Successful Response",
			"content": map[string]any{"application/json": map[string]any{"schema": respSchema(rt.op.resp)}}}
		if rt.op.resp == "Redirect" {
			ok = nil
		}
		responses := map[string]any{}
		if ok != nil {
			responses["200"] = ok
		} else {
			responses["307"] = map[string]any{"description": "Temporary Redirect"}
		}
		codes := append([]int{}, rt.op.errs...)
		if rt.auth != authNone {
			codes = append(codes, 401, 404)
		}
		if len(params) > 0 || rt.op.body != "" {
			codes = append(codes, 422)
		}
		if rt.op.failMsg != "" {
			codes = append(codes, 500)
		}
		for _, code := range codes {
			schema := ref("HTTPError")
			if code == 422 {
				schema = ref("HTTPValidationError")
			}
			responses[strconv.Itoa(code)] = map[string]any{"description": errorText[code],
				"content": map[string]any{"application/json": map[string]any{"schema": schema}}}
		}
		op := map[string]any{"operationId": rt.op.id, "tags": []string{rt.op.tag}, "summary": rt.op.summary, "responses": responses}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.op.body != "" {
			media := "application/json"
			if rt.op.form {
				media = "multipart/form-data"
			}
			op["requestBody"] = map[string]any{"required": !rt.op.optionalBody,
				"content": map[string]any{media: map[string]any{"schema": ref(rt.op.body)}}}
		}
		if rt.auth != authNone {
			op["security"] = []any{map[string]any{"HTTPBearer": []any{}}}
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": title, "version": "0.1.0"},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"HTTPBearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}
