package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errorBody is every error response: {"detail": "..."} (or a list for 422).
type errorBody struct {
	Detail any `json:"detail"`
}

// writeJSON writes v as JSON with status. Encoding errors are programmer
// errors and were caught by tests; the status is already out by then.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"detail":"Internal Server Error"}`)
	}
	writeJSONBytes(w, status, b)
}

// writeJSONBytes writes the JSON document b, gzip-compressed when the
// client accepts it and that makes it smaller on Lambda's wire too.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if rec, ok := w.(*recorder); ok && len(b) >= minGzipBytes {
		h.Add("Vary", "Accept-Encoding")
		if rec.gzip {
			if z := gzipBytes(b); base64.StdEncoding.EncodedLen(len(z)) <= len(b) || base64.StdEncoding.EncodedLen(len(z)) <= lambdaSize(b) {
				b = z
				h.Set("Content-Encoding", "gzip")
			}
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Lambda's payload limits (docs/compatibility.md, Deliberate differences: response size). A Lambda
// invoked through API Gateway returns at most 6 MB, the whole JSON
// envelope of the response counted: its body is a JSON string (text) or
// base64 (binary, such as gzip).
const (
	lambdaPayloadLimit = 6 << 20
	// envelopeRoom is kept for the status, the headers and the envelope.
	envelopeRoom = 64 << 10
	// maxResponseBytes bounds a response body as the envelope carries it
	// (lambdaSize), whatever encoding the client asked for.
	maxResponseBytes = lambdaPayloadLimit - envelopeRoom
	// maxRequestBodyBytes is the largest request body the API accepts
	// whatever MaxBodyBytes says: a JSON body travels in the event as a
	// JSON string, each quote or backslash escaped (twice its size at
	// worst), so a larger one could be refused by the platform first.
	maxRequestBodyBytes = maxResponseBytes / 2
	// minGzipBytes: smaller responses are sent as they are.
	minGzipBytes = 1 << 10
)

// lambdaSize is the size of body b as a JSON string in the Lambda response
// envelope (the runtime encodes without HTML escaping).
func lambdaSize(b []byte) int {
	return len(b) + lambdaEscapes(b)
}

// fitsLambda reports whether body b fits a Lambda response as text. A
// body of up to a sixth of the limit always does (an escape is at most six
// bytes), so the common answer is not scanned at all.
func fitsLambda(b []byte) bool {
	return len(b) <= maxResponseBytes/6 || lambdaSize(b) <= maxResponseBytes
}

// lambdaEscapes is how many bytes escaping b as a JSON string adds.
func lambdaEscapes(b []byte) int {
	n := 0
	for i, c := range b {
		switch {
		case c == '"' || c == '\\':
			n++
		case c < 0x20:
			n += 5
		case c == 0xe2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9):
			n += 3 // U+2028 and U+2029 are escaped
		}
	}
	return n
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
	}
	return false
}

// pyTime renders a time as FastAPI does: ISO-8601 in UTC with a Z, with
// microseconds only when they are not zero; nil is null.
type pyTime struct{ t *time.Time }

func (p pyTime) MarshalJSON() ([]byte, error) {
	if p.t == nil {
		return []byte("null"), nil
	}
	return []byte(`"` + formatPyTime(*p.t) + `"`), nil
}

func formatPyTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "Z"
}

// pyFloat renders a float as Python's json does: 1.0, not 1.
type pyFloat float64

func (f pyFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, fmt.Errorf("pyFloat: %v has no JSON form", v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e16 {
		return []byte(strconv.FormatFloat(v, 'f', 1, 64)), nil
	}
	return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
}
