package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// enrollConcurrency is how many registrations and warm-up batches are in
// flight at once.
const enrollConcurrency = 16

// Enroll makes n agents with series series each, registers them with the
// enrollment token under machine ids prefix-0…, and sends each one
// warm-up batch so the hub has created its series before anything is
// timed. done, when set, counts enrolled agents.
func Enroll(ctx context.Context, api *HubAPI, s *Sender, enrollToken, prefix string, n, series int, done *atomic.Int64) ([]*SimAgent, error) {
	agents := make([]*SimAgent, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(enrollConcurrency)
	for i := range agents {
		g.Go(func() error {
			a, err := NewSimAgent(series, uint64(i)+1)
			if err != nil {
				return err
			}
			if err := api.Register(ctx, enrollToken, prefix+"-"+strconv.Itoa(i), a); err != nil {
				return fmt.Errorf("register agent %d: %w", i, err)
			}
			_, status, err := s.Send(ctx, a, time.Now(), 1, time.Second)
			if err != nil {
				return fmt.Errorf("warm-up batch of agent %d: %w", i, err)
			}
			if status != 200 {
				return fmt.Errorf("warm-up batch of agent %d answered %d", i, status)
			}
			agents[i] = a
			if done != nil {
				done.Add(1)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return agents, nil
}
