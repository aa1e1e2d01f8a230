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
