package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/monsys/monsys/mail"
	"github.com/monsys/monsys/webhook"
)

// Message is what a channel receives: a title and a plain-text body.
type Message struct {
	Title string
	Body  string
}

// errNoSMTP: an e-mail channel on a hub without MONSYS_SMTP_URL.
var errNoSMTP = errors.New("no SMTP server is configured (MONSYS_SMTP_URL): e-mail channels cannot send")

// send delivers m to t within the attempt timeout, and says why not in
// words for the delivery log (the target's secrets removed).
func (s *Service) send(ctx context.Context, t target, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if t.kind == "email" {
		return s.sendMail(ctx, t, m)
	}
	for _, h := range t.hosts {
		if err := s.cfg.Policy.CheckHost(ctx, h); err != nil {
			if errors.Is(err, webhook.ErrBlocked) {
				return fmt.Errorf("refused: %s is a loopback, private, link-local or reserved address (MONSYS_WEBHOOK_ALLOW_CIDRS allows ranges): %w", h, err)
			}
			return err
		}
	}
	svc, err := (&router.ServiceRouter{}).Locate(t.raw)
	if err != nil {
		return errors.New(t.redact("the URL is not one shoutrrr can use: " + err.Error()))
	}
	// shoutrrr's Send takes no context: it runs beside the attempt's
	// deadline, each service bounding its own HTTP with a client timeout.
	done := make(chan error, 1)
	go func() { done <- svc.Send(m.Body, &types.Params{"title": m.Title}) }()
	select {
	case err := <-done:
		if err != nil {
			return errors.New(t.redact(err.Error()))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("timed out after %s", s.cfg.Timeout)
	}
}

func (s *Service) sendMail(ctx context.Context, t target, m Message) error {
	if s.cfg.Mail == nil {
		return errNoSMTP
	}
	var errs []error
	for _, to := range t.emails {
		if err := s.cfg.Mail.Send(ctx, mail.Message{To: to, Subject: m.Title, Body: m.Body}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", to, err))
		}
	}
	return errors.Join(errs...)
}
