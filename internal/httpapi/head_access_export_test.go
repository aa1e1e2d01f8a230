package httpapi

import "strings"

// RootQuizRoutes lists, as "METHOD pattern", every route at the root whose
// path names a quiz ({quiz_id}), for the access matrix test.
func RootQuizRoutes() []string {
	s := &Server{}
	var out []string
	for _, rt := range s.headRoutes() {
		if strings.Contains(rt.pattern, "{quiz_id}") {
			out = append(out, rt.method+" "+rt.pattern)
		}
	}
	return out
}
