package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/monsys/monsys/agent/console"
	"github.com/monsys/monsys/agent/enroll"
	"github.com/monsys/monsys/wire"
)

// maxConsoles bounds the consoles open at once on one host.
const maxConsoles = 4

// newConsole builds the console manager with the hub key pinned at
// registration (none: emergency grants are refused until one is pinned).
func (a *Agent) newConsole(id enroll.Identity) *console.Manager {
	var hubKey ed25519.PublicKey
	if b, err := base64.StdEncoding.DecodeString(id.State.HubKey); err == nil && len(b) == ed25519.PublicKeySize {
		hubKey = b
	} else if a.cfg.Console == console.ModeEmergency {
		a.log.Warn("no hub key pinned: emergency grants are refused until the agent registers with a hub that gives one")
	}
	a.grants = console.NewGrants(id.State.AgentID, hubKey)
	cfg := console.Config{Mode: a.cfg.Console, User: a.cfg.ConsoleUser, Idle: a.cfg.ConsoleIdle, Max: a.cfg.ConsoleMax, MaxSessions: maxConsoles}
	return console.NewManager(cfg, id.State.HubURL, id.State.AgentID, func() string { return a.creds.Load().Token }, a.grants, a.log)
}

// handleConsolePush applies console and emergency-grant messages.
func (a *Agent) handleConsolePush(ctx context.Context, msg wire.PushMessage) *wire.PushMessage {
	refuse := func(why string) *wire.PushMessage {
		return &wire.PushMessage{Type: wire.PushError, ID: msg.ID, Error: why}
	}
	ack := &wire.PushMessage{Type: wire.PushAck, ID: msg.ID}
	switch msg.Type {
	case wire.PushConsoleOpen:
		var o wire.ConsoleOpen
		if err := json.Unmarshal(msg.Data, &o); err != nil {
			return refuse("console_open: data is not a console request")
		}
		if err := a.console.Open(ctx, o); err != nil {
			a.log.Warn("console refused", "session_id", o.SessionID, "err", err)
			return refuse(err.Error())
		}
	case wire.PushConsoleClose:
		var c wire.ConsoleClose
		if err := json.Unmarshal(msg.Data, &c); err != nil {
			return refuse("console_close: data is not a close request")
		}
		a.console.Close(c.SessionID, c.Reason)
	case wire.PushEmergencyGrant:
		var g wire.SignedGrant
		if err := json.Unmarshal(msg.Data, &g); err != nil {
			return refuse("emergency_grant: data is not a signed grant")
		}
		if err := a.grants.Add(g, time.Now()); err != nil {
			a.log.Warn("emergency grant refused", "grant_id", g.Grant.GrantID, "err", err)
			return refuse("emergency grant refused: " + err.Error())
		}
		a.log.Info("emergency grant accepted", "grant_id", g.Grant.GrantID, "by", g.Grant.By, "until", time.Unix(g.Grant.NotAfter, 0).UTC())
	case wire.PushEmergencyRevoke:
		var r wire.GrantRevoke
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			return refuse("emergency_revoke: data is not a revocation")
		}
		a.grants.Revoke(r.GrantID)
		a.log.Info("emergency grant revoked", "grant_id", r.GrantID)
	default:
		return refuse("unknown message type " + msg.Type)
	}
	return ack
}
