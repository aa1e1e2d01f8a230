package qtype

import "slices"

// registry lists every type, in the order the API documents them.
//
//nolint:gochecknoglobals // read-only table
var registry = []Type{
	// One line per type; each is a file of this package.
	multipleChoice{},
	multipleAnswer{},
	trueFalse{},
	fillInBlank{},
	matching{},
	categorization{},
}

// Lookup returns the type called n.
func Lookup(n Name) (Type, bool) {
	i := slices.IndexFunc(registry, func(t Type) bool { return t.Name() == n })
	if i < 0 {
		return nil, false
	}
	return registry[i], true
}

// All returns every type in registry order.
func All() []Type { return slices.Clone(registry) }
