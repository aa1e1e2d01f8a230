package llm

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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

func TestNearDuplicates(t *testing.T) {
	t.Parallel()
	existing := []string{"What is a stack?", "What is the main purpose of a stack in a program?"}
	keys := []string{
		"what is a STACK",  // 0: existing, normalised
		"What is a queue?", // 1: new
		"What is the main purpose of a stack in the program?", // 2: existing, the same ten distinct words
		"What is a queue ?!", // 3: key 1
		"What is the main purpose of a heap in a program?", // 4: new, 9 of 11 words
	}
	assert.Equal(t, []int{0, 2, 3}, NearDuplicates(existing, keys))
	assert.Empty(t, NearDuplicates(nil, keys[1:2]))
	assert.Empty(t, NearDuplicates(existing, nil))
	assert.Equal(t, []int{1}, NearDuplicates(nil, []string{"a b", "b a"}), "a duplicate among the keys only")
}
