package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Channel is a notification channel (GET /notification-channels/:id).
// Target is the URL's scheme and host only: the hub never answers the URL.
type Channel struct {
	Raw
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Target       string            `json:"target"`
	Routing      ChannelRouting    `json:"routing"`
	QuietHours   ChannelQuietHours `json:"quiet_hours"`
	GroupWindowS int               `json:"group_window_s"`
	Enabled      bool              `json:"enabled"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// ChannelRouting picks the alerts a channel gets; empty lists match all.
type ChannelRouting struct {
	Severities   []string `json:"severities"`
	Sources      []string `json:"sources"`
	Tags         []string `json:"tags"`
	Environments []string `json:"environments"`
}

// ChannelQuietHours holds a channel's messages from Start to End (HH:MM) in
// TimeZone.
type ChannelQuietHours struct {
	TimeZone string `json:"time_zone"`
	Start    string `json:"start"`
	End      string `json:"end"`
}

// ChannelSpec is a new channel as POST /notification-channels takes it.
type ChannelSpec struct {
	Name         string            `json:"name"`
	URL          string            `json:"url"`
	Routing      ChannelRouting    `json:"routing"`
	QuietHours   ChannelQuietHours `json:"quiet_hours"`
	GroupWindowS *int              `json:"group_window_s,omitempty"`
}

// ChannelDelivery is one message of a channel's delivery log.
type ChannelDelivery struct {
	Raw
	ID            int64      `json:"id"`
	Purpose       string     `json:"purpose"` // alerts or test
	Events        int        `json:"events"`
	Title         string     `json:"title"`
	Status        string     `json:"status"` // pending, delivered or failed
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	LastError     string     `json:"last_error"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

// Channels lists the tenant's notification channels.
func (c *Client) Channels(ctx context.Context) (List[Channel], error) {
	return listAll[Channel](ctx, c, "/notification-channels", nil, 0)
}

// CreateChannel adds a notification channel.
func (c *Client) CreateChannel(ctx context.Context, spec ChannelSpec) (Channel, error) {
	var ch Channel
	err := c.send(ctx, http.MethodPost, "/notification-channels", nil, spec, &ch)
	return ch, err
}

// TestChannel sends a test message now and returns its log entry.
func (c *Client) TestChannel(ctx context.Context, id string) (ChannelDelivery, error) {
	var d ChannelDelivery
	err := c.send(ctx, http.MethodPost, "/notification-channels/"+url.PathEscape(id)+"/test", nil, nil, &d)
	return d, err
}

// DeleteChannel removes a notification channel.
func (c *Client) DeleteChannel(ctx context.Context, id string) error {
	return c.send(ctx, http.MethodDelete, "/notification-channels/"+url.PathEscape(id), nil, nil, nil)
}
