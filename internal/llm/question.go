package llm

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits of a stored question (SPEC 1.14, QuestionCreate), in characters.
const (
	MaxQuestionText = 2000
	MaxOptionText   = 500
)

// Question is one multiple-choice question as the model writes it: a text,
// four options and the letter of the correct one.
type Question struct {
	QuestionText  string
	OptionA       string
	OptionB       string
	OptionC       string
	OptionD       string
	CorrectAnswer string
}

// Options returns the four options in the order A, B, C, D.
func (q Question) Options() [4]string {
	return [4]string{q.OptionA, q.OptionB, q.OptionC, q.OptionD}
}

// Validate reports whether q can be stored: a question text of 1 to 2000
// characters, four options of 1 to 500 characters each that differ from one
// another (ignoring case and surrounding space), and a correct answer that
// is exactly one of "A", "B", "C" or "D". Blank texts count as empty. The
// error names every problem found and never quotes the texts.
func (q Question) Validate() error {
	var problems []string
	check := func(field, s string, limit int) {
		switch n := utf8.RuneCountInString(s); {
		case strings.TrimSpace(s) == "":
			problems = append(problems, field+" is empty")
		case n > limit:
			problems = append(problems, fmt.Sprintf("%s has %d characters, more than %d", field, n, limit))
		}
	}
	check("question_text", q.QuestionText, MaxQuestionText)
	opts := q.Options()
	for i, o := range opts {
		check(optionField(i), o, MaxOptionText)
	}
	for i := range opts {
		for j := i + 1; j < len(opts); j++ {
			a, b := strings.TrimSpace(opts[i]), strings.TrimSpace(opts[j])
			if a != "" && strings.EqualFold(a, b) {
				problems = append(problems, optionField(i)+" and "+optionField(j)+" are the same")
			}
		}
	}
	switch q.CorrectAnswer {
	case "A", "B", "C", "D":
	default:
		problems = append(problems, "correct_answer is not one of A, B, C, D")
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// optionField returns the JSON name of option i (0 for option_a).
func optionField(i int) string {
	return "option_" + string(rune('a'+i))
}
