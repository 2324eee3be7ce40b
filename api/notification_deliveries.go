package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/notify"
)

// notificationDeliveryReply is one message of a channel's delivery log.
type notificationDeliveryReply struct {
	ID            int64      `json:"id"`
	Purpose       string     `json:"purpose"` // alerts, or test
	Events        int32      `json:"events"`  // alert events in the message
	Title         string     `json:"title"`
	Status        string     `json:"status"` // pending, delivered or failed
	Attempts      int32      `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func toNotificationDeliveryReply(d notify.Delivery) notificationDeliveryReply {
	return notificationDeliveryReply{ID: d.ID, Purpose: d.Purpose, Events: d.Events, Title: d.Title, Status: d.Status,
		Attempts: d.Attempts, NextAttemptAt: utcPtr(d.NextAttemptAt), LastAttemptAt: utcPtr(d.LastAttemptAt),
		LastError: d.LastError, CreatedAt: utc(d.CreatedAt), DeliveredAt: utcPtr(d.DeliveredAt)}
}

// listChannelDeliveries is a channel's delivery log, newest first.
func (s *Server) listChannelDeliveries(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q, err := deliveryLogQuery(c)
	if err != nil {
		return err
	}
	ds, err := s.notify.Deliveries(c.UserContext(), principalOf(c).TenantID, id, q.status, q.before, q.limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ds, q.limit, toNotificationDeliveryReply, func(d notify.Delivery) any { return d.ID }))
}

// testChannel sends a test message now and answers its log entry: status
// delivered, or failed with last_error saying why.
func (s *Server) testChannel(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.notify.Test(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(toNotificationDeliveryReply(d))
}
