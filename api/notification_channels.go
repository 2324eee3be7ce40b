package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/notify"
)

// channelRequest creates a notification channel. URL is a shoutrrr URL
// (ntfy://ntfy.sh/topic, slack://…, generic+https://host/path?template=json)
// or mailto:a@x,b@y; it is sealed and never answered back.
type channelRequest struct {
	Name         string            `json:"name"`
	URL          string            `json:"url"`
	Routing      notify.Routing    `json:"routing"`
	QuietHours   notify.QuietHours `json:"quiet_hours"`
	GroupWindowS *int              `json:"group_window_s,omitempty"` // default 30
	Enabled      *bool             `json:"enabled,omitempty"`        // default true
}

// channelPatch changes the fields it names.
type channelPatch struct {
	Name         *string            `json:"name,omitempty"`
	URL          *string            `json:"url,omitempty"`
	Routing      *notify.Routing    `json:"routing,omitempty"`
	QuietHours   *notify.QuietHours `json:"quiet_hours,omitempty"`
	GroupWindowS *int               `json:"group_window_s,omitempty"`
	Enabled      *bool              `json:"enabled,omitempty"`
}

type channelReply struct {
	ID           uuid.UUID         `json:"id"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`   // email, slack, discord, teams, telegram, ntfy, gotify, pushover, matrix, generic
	Target       string            `json:"target"` // scheme and host only: the URL's tokens are never answered
	Routing      notify.Routing    `json:"routing"`
	QuietHours   notify.QuietHours `json:"quiet_hours"`
	GroupWindowS int               `json:"group_window_s"`
	Enabled      bool              `json:"enabled"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func toChannelReply(c notify.Channel) channelReply {
	return channelReply{ID: c.ID, Name: c.Name, Kind: c.Kind, Target: c.Shown, Routing: c.Routing, QuietHours: c.Quiet,
		GroupWindowS: int(c.GroupWindow / time.Second), Enabled: c.Enabled, CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}
}

func windowOf(n *int) *time.Duration {
	if n == nil {
		return nil
	}
	d := time.Duration(*n) * time.Second
	return &d
}

func (s *Server) createChannel(c *fiber.Ctx) error {
	p := principalOf(c)
	var req channelRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	in := notify.Input{Name: req.Name, Target: req.URL, Routing: req.Routing, Quiet: req.QuietHours,
		GroupWindow: notify.DefaultGroupWindow, Enabled: true}
	if w := windowOf(req.GroupWindowS); w != nil {
		in.GroupWindow = *w
	}
	if req.Enabled != nil {
		in.Enabled = *req.Enabled
	}
	ch, err := s.notify.Create(c.UserContext(), p.TenantID, in, &p.UserID, s.auditEvent(c, "notification_channel_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toChannelReply(ch))
}

func (s *Server) listChannels(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	cs, err := s.notify.Channels(c.UserContext(), principalOf(c).TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(cs, limit, toChannelReply, func(ch notify.Channel) any { return ch.ID }))
}

func (s *Server) getChannel(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ch, err := s.notify.Channel(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(toChannelReply(ch))
}

func (s *Server) updateChannel(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req channelPatch
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	patch := notify.Patch{Name: req.Name, Target: req.URL, Routing: req.Routing, Quiet: req.QuietHours,
		GroupWindow: windowOf(req.GroupWindowS), Enabled: req.Enabled}
	ch, err := s.notify.Update(c.UserContext(), principalOf(c).TenantID, id, patch, s.auditEvent(c, "notification_channel_updated"))
	if err != nil {
		return err
	}
	return c.JSON(toChannelReply(ch))
}

func (s *Server) deleteChannel(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.notify.Delete(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "notification_channel_deleted")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// Channels is the notification-channel service the routes use
// (*notify.Service).
type Channels interface {
	Create(ctx context.Context, tenantID uuid.UUID, in notify.Input, createdBy *uuid.UUID, ev audit.Event) (notify.Channel, error)
	Channels(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]notify.Channel, error)
	Channel(ctx context.Context, tenantID, id uuid.UUID) (notify.Channel, error)
	Update(ctx context.Context, tenantID, id uuid.UUID, p notify.Patch, ev audit.Event) (notify.Channel, error)
	Delete(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error
	Deliveries(ctx context.Context, tenantID, channelID uuid.UUID, status string, before *int64, limit int) ([]notify.Delivery, error)
	Test(ctx context.Context, tenantID, channelID uuid.UUID) (notify.Delivery, error)
}

// noChannels stands in when the server was built without notification
// channels: every route answers 503.
type noChannels struct{}

var errNoChannels = newProblem(fiber.StatusServiceUnavailable, "unavailable", "notification channels are not available on this server")

func (noChannels) Create(context.Context, uuid.UUID, notify.Input, *uuid.UUID, audit.Event) (notify.Channel, error) {
	return notify.Channel{}, errNoChannels
}
func (noChannels) Channels(context.Context, uuid.UUID, *uuid.UUID, int) ([]notify.Channel, error) {
	return nil, errNoChannels
}
func (noChannels) Channel(context.Context, uuid.UUID, uuid.UUID) (notify.Channel, error) {
	return notify.Channel{}, errNoChannels
}
func (noChannels) Update(context.Context, uuid.UUID, uuid.UUID, notify.Patch, audit.Event) (notify.Channel, error) {
	return notify.Channel{}, errNoChannels
}
func (noChannels) Delete(context.Context, uuid.UUID, uuid.UUID, audit.Event) error {
	return errNoChannels
}
func (noChannels) Deliveries(context.Context, uuid.UUID, uuid.UUID, string, *int64, int) ([]notify.Delivery, error) {
	return nil, errNoChannels
}
func (noChannels) Test(context.Context, uuid.UUID, uuid.UUID) (notify.Delivery, error) {
	return notify.Delivery{}, errNoChannels
}
