package httpapi

// manualRoutes is today's manual content upload (tag quiz).
func (s *Server) manualRoutes() []*route { return nil }
