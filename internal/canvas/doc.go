// Package canvas is the Canvas LMS client of quizgen: the OAuth2 flow
// (authorize URL, code exchange, refresh, revoke), the read-only REST calls
// content extraction needs (courses, modules, module items, pages, files,
// file downloads) and the New Quizzes calls of the export (create a quiz,
// create its items).
//
// The client is safe for concurrent use. The Canvas access token is passed
// to every call rather than stored, so one Client serves every user.
//
// Behaviour shared by every call:
//
//   - Lists follow Canvas pagination (per_page, then Link rel="next") and
//     decode leniently: ids may be numbers or numeric strings, and entries
//     that are not objects or lack the fields that identify them are
//     skipped.
//   - Failures are *Error values naming the method, the path (never the
//     query string) and the status. They wrap ErrUnauthorized (401),
//     ErrForbidden (403), ErrNotFound (404), ErrBadResponse, ErrTooLarge or
//     ErrOAuth, or quiz.ErrTemporary for 5xx answers, timeouts, network
//     errors and rate limits still in force after the retries.
//   - Idempotent requests (GET, DELETE) are retried with exponential
//     backoff and jitter on 5xx answers, timeouts and network errors. POSTs
//     are retried only when the connection was never made, so a quiz is
//     never created twice by a retry. Rate limiting (429, or 403 with
//     X-Rate-Limit-Remaining: 0) waits for Retry-After and retries any
//     request, since Canvas did not process it.
//   - No token, client secret or download verifier appears in an error
//     string or a log line.
//
// The package must not know about the database, the queue or HTTP routing
// of quizgen; it speaks the domain's language only through quiz.ErrTemporary.
package canvas
