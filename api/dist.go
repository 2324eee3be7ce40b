package api

import (
	"bytes"
	"errors"
	"fmt"
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
// enrollment token filled in and the SHA-256 of each binary it may
// download, which it checks before installing. The hub's address comes
// from MONSYS_PUBLIC_URL, never from the request's Host header. A token
// that cannot enroll gets a script that prints why and exits 1, answered
// 200: "curl -fsSL … | sh" would show only "curl: (22)" for a 4xx.
func (s *Server) installScript(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store") // it carries a secret
	c.Set(fiber.HeaderContentType, "text/x-shellscript; charset=utf-8")
	token := c.Query("token")
	if kind, err := auth.ParseToken(token); err != nil || kind != auth.KindEnrollment {
		return s.refusedScript(c, "the token must be an enrollment token (mse_…): create one in the dashboard or with POST /api/v1/enrollment-tokens")
	}
	if _, err := s.store.LiveEnrollmentToken(c.UserContext(), auth.HashToken(token)); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return s.refusedScript(c, "the enrollment token is unknown, revoked, expired or used up: create a new one")
	}
	vars := installVars{Hub: shellQuote(s.cfg.PublicURL), Token: shellQuote(token), Unit: agentUnit}
	var err error
	if vars.SHA256amd64, err = s.agentSHA256("amd64"); err != nil {
		return err
	}
	if vars.SHA256arm64, err = s.agentSHA256("arm64"); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := installTemplate.Execute(&buf, vars); err != nil {
		return err
	}
	return c.Send(buf.Bytes())
}

// refusedScript answers a script that prints why the install cannot go on
// and exits 1.
func (s *Server) refusedScript(c *fiber.Ctx, why string) error {
	var buf bytes.Buffer
	if err := refusedTemplate.Execute(&buf, shellQuote("monsys-agent install: "+why)); err != nil {
		return err
	}
	return c.Send(buf.Bytes())
}

// agentSHA256 is the shell-quoted hex SHA-256 of the agent binary for
// arch in the dist directory, or ” when the hub serves none.
func (s *Server) agentSHA256(arch string) (string, error) {
	if s.builds == nil {
		return "''", nil
	}
	sum, err := s.builds.Hash(agentBinary(arch))
	if err != nil {
		return "", fmt.Errorf("hash agent binary: %w", err)
	}
	if sum == "" {
		return "''", nil
	}
	return shellQuote(sum), nil
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
	// Streamed from the file as it is now, not through fasthttp's file
	// cache, which serves a replaced binary (an upgrade of the dist
	// directory) with the old length for a while.
	f, err := os.Open(path)
	var st os.FileInfo
	if err == nil {
		if st, err = f.Stat(); err == nil && !st.Mode().IsRegular() {
			err = os.ErrNotExist
		}
		if err != nil {
			_ = f.Close() // read-only, nothing to flush
		}
	}
	if err != nil {
		return notFound(agentBinary(arch) + " is missing from MONSYS_AGENT_DIST_DIR: build it with " +
			"CGO_ENABLED=0 GOOS=linux GOARCH=" + arch + " go build -o " + path + " ./cmd/monsys-agent (make build does both architectures)")
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="monsys-agent"`)
	return c.SendStream(f, int(st.Size())) // fasthttp closes f once sent
}

// shellQuote makes s one single-quoted sh word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

type installVars struct{ Hub, Token, Unit, SHA256amd64, SHA256arm64 string }

var (
	installTemplate = template.Must(template.New("install.sh").Parse(installSh))
	refusedTemplate = template.Must(template.New("refused.sh").Parse(refusedSh))
)
