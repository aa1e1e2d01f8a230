package llm_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
)

const oneQuestion = `{"question_text":"What is a stack?","option_a":"LIFO structure","option_b":"FIFO structure","option_c":"A tree","option_d":"A graph","correct_answer":"A"}`

const twoQuestions = `{"questions":[` + oneQuestion + `,` +
	`{"question_text":"What is a queue?","option_a":"LIFO structure","option_b":"FIFO structure","option_c":"A tree","option_d":"A graph","correct_answer":"B"}]}`

var parseCases = []struct {
	name      string
	raw       string
	wantTexts []string
	wantErr   string // "" means no error
}{
	{"object with questions", twoQuestions, []string{"What is a stack?", "What is a queue?"}, ""},
	{"bare array", "[" + oneQuestion + "]", []string{"What is a stack?"}, ""},
	{"single question object", oneQuestion, []string{"What is a stack?"}, ""},
	{"code fence", "```json\n" + twoQuestions + "\n```", []string{"What is a stack?", "What is a queue?"}, ""},
	{"text around", "Here are your questions:\n" + twoQuestions + "\nGood luck {students}!", []string{"What is a stack?", "What is a queue?"}, ""},
	{"bracket in the preamble", "Answer [1] below: " + twoQuestions, []string{"What is a stack?", "What is a queue?"}, ""},
	{"other key holding the list", `{"mcqs":[` + oneQuestion + `]}`, []string{"What is a stack?"}, ""},
	{"fields trimmed and answer upper-cased", `{"questions":[{"question_text":"  Why? ","option_a":" a ","option_b":"b","option_c":"c","option_d":"d","correct_answer":" c "}]}`, []string{"Why?"}, ""},
	{"extra keys ignored", `{"questions":[{"question_text":"Why?","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"C","explanation":"because"}]}`, []string{"Why?"}, ""},
	{"empty", "", nil, "no JSON"},
	{"plain text", "I cannot help with that.", nil, "no JSON"},
	{"broken JSON", `{"questions":[{"question_text":"Why?",`, nil, "no questions in the answer"},
	{"wrong shape", `{"answer":"B","score":3}`, nil, "no questions in the answer"},
	{"empty list", `{"questions":[]}`, nil, ""},
	{"missing field", `{"questions":[{"question_text":"Why?","option_a":"a","option_b":"b","option_c":"c","correct_answer":"A"}]}`, nil, "entry 1: missing option_d"},
	{"number where a string belongs", `{"questions":[{"question_text":"Why?","option_a":1,"option_b":"b","option_c":"c","option_d":"d","correct_answer":"A"}]}`, nil, "option_a is not a string"},
	{"answer not A-D", `{"questions":[{"question_text":"Why?","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"E"}]}`, nil, "correct_answer is not one of A, B, C, D"},
	{"answer as option text", `{"questions":[{"question_text":"Why?","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"A) a"}]}`, nil, "correct_answer"},
	{"over-long text", `{"questions":[{"question_text":"` + strings.Repeat("x", 2001) + `","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"A"}]}`, nil, "more than 2000"},
	{"entry not an object", `{"questions":["What is a stack?"]}`, nil, "entry 1: not an object"},
	{"some entries invalid", `{"questions":[` + oneQuestion + `,{"question_text":"Why?"},7]}`, []string{"What is a stack?"}, "2 of 3 entries rejected: entry 2: missing option_a"},
}

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			qs, err := llm.ParseAnswer(tt.raw)
			var texts []string
			for _, q := range qs {
				require.NoError(t, q.Validate())
				texts = append(texts, q.QuestionText)
			}
			assert.Equal(t, tt.wantTexts, texts)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, llm.ErrInvalidAnswer)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	t.Run("fields", func(t *testing.T) {
		t.Parallel()
		qs, err := llm.ParseAnswer(`{"questions":[{"question_text":" Why? ","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"d"}]}`)
		require.NoError(t, err)
		assert.Equal(t, []llm.Question{{QuestionText: "Why?", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "D"}}, qs)
	})

	t.Run("errors never quote the answer", func(t *testing.T) {
		t.Parallel()
		_, err := llm.ParseAnswer(`{"questions":[{"question_text":"SECRET STUDENT TEXT","option_a":"a","option_b":"a","option_c":"c","option_d":"d","correct_answer":"SECRET"}]}`)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "SECRET")
	})

	t.Run("many invalid entries are summarised", func(t *testing.T) {
		t.Parallel()
		_, err := llm.ParseAnswer(`[1,2,3,4,5,6,7,8]`)
		require.ErrorIs(t, err, llm.ErrInvalidAnswer)
		assert.Contains(t, err.Error(), "8 of 8 entries rejected")
		assert.Contains(t, err.Error(), "3 more")
	})
}

// FuzzParseAnswer checks that no answer makes ParseAnswer panic, that
// every question it accepts is valid, and that its errors are
// ErrInvalidAnswer.
func FuzzParseAnswer(f *testing.F) {
	for _, tt := range parseCases {
		f.Add(tt.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		qs, err := llm.ParseAnswer(raw)
		for _, q := range qs {
			if verr := q.Validate(); verr != nil {
				t.Fatalf("accepted an invalid question %+v: %v", q, verr)
			}
		}
		if err != nil && !strings.Contains(err.Error(), llm.ErrInvalidAnswer.Error()) {
			t.Fatalf("error %v does not wrap ErrInvalidAnswer", err)
		}
	})
}

func BenchmarkParseAnswer(b *testing.B) {
	raw := "```json\n" + twoQuestions + "\n```"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := llm.ParseAnswer(raw); err != nil {
			b.Fatal(err)
		}
	}
}
