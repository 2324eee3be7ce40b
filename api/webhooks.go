package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/webhook"
)

type createWebhookRequest struct {
	URL         string `json:"url"`
	Description string `json:"description"`
}

type webhookReply struct {
	ID           uuid.UUID  `json:"id"`
	URL          string     `json:"url"`
	Description  string     `json:"description"`
	CreatedAt    time.Time  `json:"created_at"`
	FailingSince *time.Time `json:"failing_since,omitempty"` // first failure since the last success
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`   // set once it failed for too long; create it anew
}

// createWebhookReply shows the signing secret, this once.
type createWebhookReply struct {
	webhookReply
	Secret string `json:"secret"` // whsec_…: verify webhook-signature with it
}

func toWebhookReply(w store.Webhook) webhookReply {
	return webhookReply{ID: w.ID, URL: w.URL, Description: w.Description, CreatedAt: utc(w.CreatedAt),
		FailingSince: utcPtr(w.FailingSince), DisabledAt: utcPtr(w.DisabledAt)}
}

func (s *Server) createWebhook(c *fiber.Ctx) error {
	p := principalOf(c)
	var req createWebhookRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.URL = strings.TrimSpace(req.URL)
	var errs []FieldError
	if err := s.cfg.Webhooks.ValidateURL(req.URL); err != nil {
		errs = append(errs, FieldError{Field: "url", Message: err.Error()})
	}
	if len(req.Description) > 500 {
		errs = append(errs, FieldError{Field: "description", Message: "at most 500 bytes"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	w, err := s.store.CreateWebhook(c.UserContext(), p.TenantID, req.URL, req.Description, secret, &p.UserID)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(createWebhookReply{webhookReply: toWebhookReply(w), Secret: secret})
}

func (s *Server) listWebhooks(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	ws, err := s.store.Webhooks(c.UserContext(), principalOf(c).TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ws, limit, toWebhookReply, func(w store.Webhook) any { return w.ID }))
}

func (s *Server) deleteWebhook(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(c.UserContext(), principalOf(c).TenantID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type deliveryReply struct {
	ID            int64      `json:"id"`
	MessageID     string     `json:"message_id"` // the webhook-id header, the same on every retry
	EventID       int64      `json:"event_id"`
	AlertID       uuid.UUID  `json:"alert_id"`
	EventType     string     `json:"event_type"`
	Status        string     `json:"status"` // pending, delivered or failed
	Attempts      int32      `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastStatus    *int32     `json:"last_status,omitempty"` // HTTP status of the last answer
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func toDeliveryReply(d store.Delivery) deliveryReply {
	return deliveryReply{ID: d.ID, MessageID: webhook.MessageID(d.ID), EventID: d.EventID, AlertID: d.AlertID,
		EventType: "alert." + d.EventState, Status: d.Status, Attempts: d.Attempts, NextAttemptAt: utcPtr(d.NextAttemptAt),
		LastAttemptAt: utcPtr(d.LastAttemptAt), LastStatus: d.LastStatus, LastError: d.LastError,
		CreatedAt: utc(d.CreatedAt), DeliveredAt: utcPtr(d.DeliveredAt)}
}

// listDeliveries is an endpoint's delivery log, newest first.
func (s *Server) listDeliveries(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q, err := deliveryLogQuery(c)
	if err != nil {
		return err
	}
	ds, err := s.store.Deliveries(c.UserContext(), principalOf(c).TenantID, id, q.status, q.before, q.limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ds, q.limit, toDeliveryReply, func(d store.Delivery) any { return d.ID }))
}

// logQuery is a delivery log's filter and page: ?status=&limit=&cursor=.
type logQuery struct {
	status string
	limit  int
	before *int64 // entries older than this id
}

func deliveryLogQuery(c *fiber.Ctx) (logQuery, error) {
	q := logQuery{status: c.Query("status")}
	if q.status != "" && q.status != "pending" && q.status != "delivered" && q.status != "failed" {
		return q, badRequest("status must be pending, delivered or failed")
	}
	var err error
	if q.limit, err = pageLimit(c); err != nil {
		return q, err
	}
	if raw := c.Query("cursor"); raw != "" {
		var n int64
		if err := decodeCursor(raw, &n); err != nil {
			return q, err
		}
		q.before = &n
	}
	return q, nil
}
