package httpapi

// sharingRoutes are today's sharing routes (tag quiz-sharing).
func (s *Server) sharingRoutes() []*route { return nil }

// sharingStore is what sharing needs of the store.
type sharingStore interface{}
