package httpapi

// headSchemas are the schemas of the root OpenAPI document: today's
// contract's names and shapes (README, today's routes), so a client
// generated from our document has the names today's frontend imports.
// Route operations name them in op.body and op.resp; op.resp "[]Name" is an
// array of Name, as FastAPI writes a list response.
func headSchemas() map[string]any {
	ts := nullable(strFmt("date-time"))
	uuid := strFmt("uuid")
	anyObj := map[string]any{"type": "object", "additionalProperties": true}
	enum := func(vals ...string) map[string]any { return map[string]any{"type": "string", "enum": vals} }
	boolean := map[string]any{"type": "boolean"}
	number := map[string]any{"type": "number"}
	uuids := func(desc string) map[string]any {
		return map[string]any{"type": "array", "items": uuid, "description": desc, "minItems": 1, "maxItems": 100}
	}
	return map[string]any{
		// Errors and plain answers.
		"HTTPError": obj([]string{"detail"}, map[string]any{"detail": str()}),
		"ValidationError": obj([]string{"loc", "msg", "type"}, map[string]any{
			"loc": arrayOf(map[string]any{"anyOf": []any{str(), integer()}}), "msg": str(), "type": str(),
			"input": map[string]any{}, "ctx": map[string]any{"type": "object"}}),
		"HTTPValidationError": obj(nil, map[string]any{"detail": arrayOf(ref("ValidationError"))}),
		"Message":             obj([]string{"message"}, map[string]any{"message": str()}),
		"Redirect":            obj(nil, map[string]any{}),
		"True":                map[string]any{"type": "boolean", "const": true},
		"Object":              map[string]any{"type": "object"},
		"Null":                map[string]any{"type": "null"},
		"QuestionStats":       obj([]string{"total", "approved"}, map[string]any{"total": integer(), "approved": integer()}),

		// Enumerations.
		"QuestionType":       enum("multiple_choice", "multiple_answer", "fill_in_blank", "matching", "categorization", "true_false"),
		"QuestionDifficulty": enum("easy", "medium", "hard"),
		"QuizLanguage":       enum("en", "no"),
		"QuizTone":           enum("academic", "casual", "encouraging", "professional"),
		"QuizStatus": enum("created", "extracting_content", "generating_questions", "ready_for_review",
			"ready_for_review_partial", "exporting_to_canvas", "published", "failed"),
		"FailureReason": enum("content_extraction_error", "no_content_found", "llm_generation_error",
			"no_questions_generated", "canvas_export_error", "network_error", "validation_error"),
		"RejectionReason": enum("incorrect_answer", "poor_wording", "irrelevant_content", "duplicate_question",
			"too_easy", "too_hard", "quota_reached", "topic_coverage", "other"),

		// Users and Canvas.
		"UserPublic": obj([]string{"id", "name", "onboarding_completed"}, map[string]any{
			"id": uuid, "name": str(), "onboarding_completed": boolean}),
		"UserUpdateMe": obj([]string{"name"}, map[string]any{"name": map[string]any{"type": "string", "maxLength": 255},
			"onboarding_completed": nullable(boolean)}),
		"CanvasCourse": obj([]string{"id", "name"}, map[string]any{"id": integer(), "name": str()}),
		"CanvasModule": obj([]string{"id", "name"}, map[string]any{"id": integer(), "name": str()}),
		"CanvasModuleItemList": arrayOf(obj([]string{"id", "title", "type"}, map[string]any{
			"id": integer(), "title": str(), "type": str(), "html_url": nullable(str()), "page_url": nullable(str()), "url": nullable(str())})),
		"CanvasPage": obj([]string{"title", "body", "url"}, map[string]any{"title": str(), "body": str(), "url": str(),
			"created_at": nullable(str()), "updated_at": nullable(str())}),
		"CanvasFile": obj([]string{"id"}, map[string]any{"id": integer(), "display_name": str(), "filename": str(),
			"content-type": str(), "url": str(), "size": integer(), "created_at": nullable(str()), "updated_at": nullable(str()), "mime_class": str()}),

		// Quizzes.
		"QuestionBatch": obj([]string{"question_type", "count", "difficulty"}, map[string]any{
			"question_type": ref("QuestionType"), "count": map[string]any{"type": "integer", "minimum": 1, "maximum": 20},
			"difficulty": ref("QuestionDifficulty")}),
		"ModuleSelection": obj([]string{"name", "question_batches"}, map[string]any{
			"name":             str(),
			"question_batches": map[string]any{"type": "array", "items": ref("QuestionBatch"), "minItems": 1, "maxItems": 4},
			"source_type":      map[string]any{"type": "string", "enum": []string{"canvas", "manual"}, "default": "canvas"},
			"content":          nullable(str()), "word_count": nullable(integer()),
			"processing_metadata": nullable(anyObj), "content_type": nullable(str()),
		}),
		"QuizCreate": obj([]string{"canvas_course_id", "canvas_course_name", "selected_modules", "title"}, map[string]any{
			"canvas_course_id":    integer(),
			"canvas_course_name":  str(),
			"selected_modules":    map[string]any{"type": "object", "additionalProperties": ref("ModuleSelection"), "description": "module id → selection"},
			"title":               map[string]any{"type": "string", "minLength": 1, "maxLength": 255},
			"llm_model":           map[string]any{"type": "string", "default": "o3"},
			"llm_temperature":     map[string]any{"type": "number", "minimum": 0, "maximum": 2, "default": 1},
			"language":            ref("QuizLanguage"),
			"tone":                ref("QuizTone"),
			"custom_instructions": nullable(map[string]any{"type": "string", "maxLength": 500}),
		}),
		"QuizUpdate": obj(nil, map[string]any{
			"title":     nullable(map[string]any{"type": "string", "minLength": 1, "maxLength": 255}),
			"llm_model": nullable(str()), "llm_temperature": nullable(map[string]any{"type": "number", "minimum": 0, "maximum": 2}),
			"language": nullable(ref("QuizLanguage")),
		}),
		"Quiz": obj([]string{"owner_id", "canvas_course_id", "canvas_course_name", "title"}, map[string]any{
			"id": uuid, "owner_id": nullable(uuid), "canvas_course_id": integer(), "canvas_course_name": str(),
			"selected_modules": map[string]any{"type": "object", "additionalProperties": anyObj},
			"title":            str(), "question_count": integer(), "llm_model": str(), "llm_temperature": number,
			"language": ref("QuizLanguage"), "tone": ref("QuizTone"), "custom_instructions": nullable(str()),
			"status": ref("QuizStatus"), "failure_reason": nullable(ref("FailureReason")),
			"last_status_update": strFmt("date-time"),
			"extracted_content":  nullable(anyObj), "content_extracted_at": ts, "created_at": ts, "updated_at": ts,
			"canvas_quiz_id": nullable(str()), "exported_at": ts, "generation_metadata": anyObj,
			"deleted": boolean, "deleted_at": ts,
		}),
		"RegenerateBatchRequest": obj([]string{"module_id", "question_type", "count", "difficulty"}, map[string]any{
			"module_id": str(), "question_type": ref("QuestionType"),
			"count": map[string]any{"type": "integer", "minimum": 1, "maximum": 20}, "difficulty": ref("QuestionDifficulty")}),
		"Body_quiz-upload_manual_module": obj([]string{"name"}, map[string]any{
			"name":         map[string]any{"type": "string", "description": "Module name"},
			"text_content": nullable(map[string]any{"type": "string", "description": "Direct text content"}),
			"file":         nullable(map[string]any{"type": "string", "format": "binary", "description": "Single PDF file upload (legacy)"}),
			"files":        map[string]any{"type": "array", "items": strFmt("binary"), "description": "Multiple PDF files upload"},
		}),
		"ManualModuleResponse": obj([]string{"module_id", "name", "content_preview", "full_content", "word_count"}, map[string]any{
			"module_id": str(), "name": str(), "content_preview": str(), "full_content": str(), "word_count": integer(),
			"processing_metadata": anyObj}),

		// Questions.
		"QuestionResponse": obj([]string{"id", "quiz_id", "question_type", "question_data", "is_approved"}, map[string]any{
			"id": uuid, "quiz_id": uuid, "question_type": ref("QuestionType"), "question_data": anyObj,
			"difficulty": nullable(ref("QuestionDifficulty")), "tags": nullable(arrayOf(str())),
			"is_approved": boolean, "approved_at": ts, "created_at": ts, "updated_at": ts,
			"canvas_item_id": nullable(str()), "module_id": nullable(str()),
			"rejection_reason": nullable(str()), "rejection_feedback": nullable(str())}),
		"QuestionCreateRequest": obj([]string{"quiz_id", "question_type", "question_data"}, map[string]any{
			"quiz_id": uuid, "question_type": ref("QuestionType"), "question_data": anyObj,
			"difficulty": nullable(ref("QuestionDifficulty")), "tags": nullable(arrayOf(str()))}),
		"QuestionUpdateRequest": obj(nil, map[string]any{
			"question_data": nullable(anyObj), "difficulty": nullable(ref("QuestionDifficulty")), "tags": nullable(arrayOf(str()))}),
		"QuestionDeleteRequest": obj(nil, map[string]any{
			"rejection_reason": nullable(ref("RejectionReason")), "rejection_feedback": nullable(map[string]any{"type": "string", "maxLength": 1000})}),
		"BulkApproveRequest": obj([]string{"question_ids"}, map[string]any{"question_ids": uuids("List of question IDs to approve")}),
		"BulkDeleteRequest": obj([]string{"question_ids"}, map[string]any{
			"question_ids":       uuids("List of question IDs to delete"),
			"rejection_reason":   nullable(ref("RejectionReason")),
			"rejection_feedback": nullable(map[string]any{"type": "string", "maxLength": 1000})}),
		"BulkOperationResponse": obj([]string{"success_count", "failed_count", "message"}, map[string]any{
			"success_count": integer(), "failed_count": integer(), "failed_ids": arrayOf(uuid), "message": str()}),

		// Sharing.
		"QuizInviteCreate": obj(nil, map[string]any{
			"expires_in_days": nullable(map[string]any{"type": "integer", "minimum": 1, "maximum": 365, "description": "Days until expiration, null for no expiration"}),
			"max_uses":        nullable(map[string]any{"type": "integer", "minimum": 1, "maximum": 1000, "description": "Max uses, null for unlimited"})}),
		"QuizInviteResponse": obj([]string{"id", "token", "invite_url", "quiz_id", "quiz_title", "created_at", "expires_at", "max_uses", "use_count", "is_revoked"},
			map[string]any{"id": uuid, "token": str(), "invite_url": str(), "quiz_id": uuid, "quiz_title": str(),
				"created_at": ts, "expires_at": ts, "max_uses": nullable(integer()), "use_count": integer(), "is_revoked": boolean}),
		"CollaboratorResponse": obj([]string{"id", "user_id", "user_name", "added_at"}, map[string]any{
			"id": uuid, "user_id": uuid, "user_name": nullable(str()), "added_at": ts}),
		"QuizCollaboratorsResponse": obj([]string{"quiz_id", "owner_id", "owner_name", "collaborators", "active_invites"}, map[string]any{
			"quiz_id": uuid, "owner_id": nullable(uuid), "owner_name": nullable(str()),
			"collaborators": arrayOf(ref("CollaboratorResponse")), "active_invites": arrayOf(ref("QuizInviteResponse"))}),
		"InviteInfoResponse": obj([]string{"quiz_title", "owner_name", "is_valid"}, map[string]any{
			"quiz_title": str(), "owner_name": nullable(str()), "is_valid": boolean, "message": nullable(str())}),
		"AcceptInviteResponse": obj([]string{"success", "quiz_id", "quiz_title", "message"}, map[string]any{
			"success": boolean, "quiz_id": uuid, "quiz_title": str(), "message": str()}),
	}
}
