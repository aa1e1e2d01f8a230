package llm

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sizes []int
		need  int
		want  []int
	}{
		{"nothing", []int{5, 5}, 0, []int{0, 0}},
		{"fewer questions than parts, evenly spaced", []int{1, 1, 1, 1, 1, 1}, 3, []int{0, 1, 0, 1, 0, 1}},
		{"one question", []int{1, 1, 1, 1, 1}, 1, []int{0, 0, 1, 0, 0}},
		{"one each", []int{9, 1, 5}, 3, []int{1, 1, 1}},
		{"rest by size", []int{300, 100, 100}, 13, []int{7, 3, 3}},
		{"remainders to the largest fractions", []int{1, 1, 1}, 5, []int{2, 2, 1}},
		{"no sizes", []int{0, 0}, 4, []int{2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := spread(tt.sizes, tt.need)
			assert.Equal(t, tt.want, got)
			sum := 0
			for _, q := range got {
				sum += q
			}
			assert.Equal(t, tt.need, sum)
		})
	}
}

func TestPlanUnits(t *testing.T) {
	t.Parallel()
	chunk := func(title string, n int) Chunk { return Chunk{Title: title, Content: strings.Repeat("w ", n/2)} }
	chunks := []Chunk{chunk("a", 1000), chunk("b", 1000), chunk("c", 5000), chunk("d", 1000), {Title: "blank", Content: " "}}

	units := planUnits(chunks, 4, 10, 2500)
	var got []int
	for _, u := range units {
		got = append(got, u.quota)
	}
	assert.Equal(t, []int{2, 1, 1}, got, "a and b packed; c too big to share")
	assert.True(t, strings.HasPrefix(units[0].content, "# a\n\nw w"))
	assert.Contains(t, units[0].content, "\n\n# b\n\nw w")

	units = planUnits(chunks, 40, 10, 100000)
	assert.Len(t, units, 4, "quotas too large to pack")
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	d := newDedupe()
	assert.True(t, d.add("What is a stack?"))
	assert.False(t, d.add("what is a STACK"), "same text once normalised")
	assert.False(t, d.add("What is a stack ?!"))
	assert.False(t, d.add("A stack is what?"), "same words")
	assert.True(t, d.add("What is a queue?"))
	assert.True(t, d.add("What is the main purpose of a stack in a program?"))
	assert.False(t, d.add("What is the main purpose of a stack in the program?"), "the same ten distinct words")
	assert.True(t, d.add("What is the main purpose of a heap in a program?"), "one word differs: 9 of 11")
	assert.True(t, d.add("???"))
	assert.False(t, d.add("!!!"), "texts without words are equal")
}
