package httpapi

// Today's auth, users, canvas and utils routes at the root (README, today's
// routes).

// headAuthRoutes are today's auth routes (tag auth).
func (s *Server) headAuthRoutes() []*route { return nil }

// headUserRoutes are today's users routes (tag users).
func (s *Server) headUserRoutes() []*route { return nil }

// headCanvasRoutes are today's canvas routes (tag canvas).
func (s *Server) headCanvasRoutes() []*route { return nil }

// headUtilRoutes are today's utils routes and the root OpenAPI document.
func (s *Server) headUtilRoutes() []*route { return nil }

// accountStore is what today's account routes need of the store beyond
// Store.
type accountStore interface{}
