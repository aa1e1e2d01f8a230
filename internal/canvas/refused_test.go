package canvas_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"quizgen/internal/canvas"
)

// ItemRefused tells an item Canvas refused for what it holds (the export
// unapproves that question) from failures that are not about the item.
func TestItemRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		refused bool
		msg     string
	}{
		{"errors list", &canvas.Error{Status: 400, Body: `{"errors":[{"message":"a"},{"message":"b"}]}`}, true, "a; b"},
		{"message field", &canvas.Error{Status: 422, Body: `{"message":"bad item"}`}, true, "bad item"},
		{"plain body", &canvas.Error{Status: 400, Body: " nope "}, true, "nope"},
		{"no body", &canvas.Error{Status: 400}, true, "HTTP 400"},
		{"wrapped", fmt.Errorf("create item: %w", &canvas.Error{Status: 400, Body: `{"error":"x"}`}), true, "x"},
		{"unauthorized", &canvas.Error{Status: 401}, false, ""},
		{"quiz gone", &canvas.Error{Status: 404}, false, ""},
		{"rate limited", &canvas.Error{Status: 429}, false, ""},
		{"server error", &canvas.Error{Status: 502}, false, ""},
		{"not a Canvas error", errors.New("boom"), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ok := canvas.ItemRefused(tc.err)
			assert.Equal(t, tc.refused, ok)
			assert.Equal(t, tc.msg, msg)
		})
	}
}
