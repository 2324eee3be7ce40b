package agent

import (
	"context"

	"github.com/monsys/monsys/agent/decoy"
)

// startDecoys opens the configured honeypots and canary watches; their
// events go into the next batch.
func (a *Agent) startDecoys(goRun func(string, func(context.Context) error)) error {
	if len(a.cfg.HoneypotPorts) > 0 {
		h, open := decoy.Listen("", a.cfg.HoneypotPorts, a.decoys, a.log)
		if len(open) > 0 {
			a.log.Info("honeypots listening", "ports", open)
		}
		goRun("honeypots", h.Serve)
	}
	if len(a.cfg.CanaryFiles) > 0 {
		c, err := decoy.Watch(a.cfg.CanaryFiles, a.decoys, a.log)
		if err != nil {
			return err
		}
		goRun("canary files", c.Serve)
	}
	return nil
}
