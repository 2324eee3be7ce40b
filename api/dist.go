package api

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// agentArchs are the platforms the hub serves agent binaries for.
var agentArchs = map[string]bool{"amd64": true, "arm64": true}

// agentBinary is the file name of an agent binary in the dist directory.
func agentBinary(arch string) string { return "monsys-agent-linux-" + arch }

// installScript answers a POSIX sh script that installs the agent with the
// enrollment token filled in. The token must be live; the hub's address
// comes from MONSYS_PUBLIC_URL, never from the request's Host header.
func (s *Server) installScript(c *fiber.Ctx) error {
	token := c.Query("token")
	if kind, err := auth.ParseToken(token); err != nil || kind != auth.KindEnrollment {
		return badRequest("token must be an enrollment token (mse_…): create one with POST /api/v1/enrollment-tokens")
	}
	if _, err := s.store.LiveEnrollmentToken(c.UserContext(), auth.HashToken(token)); err != nil {
		return answerAs(err, store.ErrNotFound, notFound("the enrollment token is unknown, revoked, expired or used up"))
	}
	var buf bytes.Buffer
	if err := installTemplate.Execute(&buf, installVars{Hub: shellQuote(s.cfg.PublicURL), Token: shellQuote(token), Unit: agentUnit}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // it carries a secret
	c.Set(fiber.HeaderContentType, "text/x-shellscript; charset=utf-8")
	return c.Send(buf.Bytes())
}

// agentDownload serves the agent binary for one architecture from the
// dist directory (MONSYS_AGENT_DIST_DIR).
func (s *Server) agentDownload(c *fiber.Ctx) error {
	arch := c.Params("arch")
	if !agentArchs[arch] {
		return notFound("no agent build for linux/" + arch + ": the hub serves amd64 and arm64")
	}
	if s.cfg.AgentDistDir == "" {
		return notFound("this hub serves no agent binaries: set MONSYS_AGENT_DIST_DIR to a directory holding " +
			agentBinary(arch) + " (make build writes them to bin/dist)")
	}
	path := filepath.Join(s.cfg.AgentDistDir, agentBinary(arch))
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return notFound(agentBinary(arch) + " is missing from MONSYS_AGENT_DIST_DIR: build it with " +
			"CGO_ENABLED=0 GOOS=linux GOARCH=" + arch + " go build -o " + path + " ./cmd/monsys-agent (make build does both architectures)")
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="monsys-agent"`)
	return c.SendFile(path, false)
}

// shellQuote makes s one single-quoted sh word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

type installVars struct{ Hub, Token, Unit string }

var installTemplate = template.Must(template.New("install.sh").Parse(installSh))
