package api

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// allowedMethods are the methods some route answers; Allow names them when
// a request uses a method the hub does not know at all.
var allowedMethods = strings.Join([]string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost,
	fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete}, ", ")

// answerUnknownMethods puts a guard in front of the router: Fiber answers a
// method outside its list (PROPFIND, BREW, …) with a plain-text line before
// any middleware runs. The guard answers it like every other refusal, a 405
// problem with a request id and an Allow header.
func (s *Server) answerUnknownMethods() {
	srv := s.app.Server()
	next := srv.Handler
	srv.Handler = func(fctx *fasthttp.RequestCtx) {
		if knownMethod(fctx.Method()) {
			next(fctx)
			return
		}
		c := s.app.AcquireCtx(fctx)
		defer s.app.ReleaseCtx(c)
		c.Set(fiber.HeaderAllow, allowedMethods)
		_ = s.errorHandler(c, fiber.NewError(http.StatusMethodNotAllowed)) //nolint:errcheck // the answer is written
	}
}

func knownMethod(m []byte) bool {
	for _, k := range fiber.DefaultMethods {
		if string(m) == k {
			return true
		}
	}
	return false
}
