package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
)

// MaxAgents bounds the agents one overview reads.
const MaxAgents = 50_000

// Agents is the store read the overview needs; *store.Store is the real one.
type Agents interface {
	FleetAgents(ctx context.Context, tenantID uuid.UUID, f store.FleetFilter) ([]store.FleetAgent, error)
}

// Metrics is the metric reads the overview needs; *query.Service is the
// real one.
type Metrics interface {
	Top(ctx context.Context, tenantID uuid.UUID, req query.TopRequest) (*query.TopResult, error)
	Lines(ctx context.Context, tenantID uuid.UUID, req query.LinesRequest) (map[uuid.UUID][]query.Point, error)
}

// Service answers overviews.
type Service struct {
	agents  Agents
	metrics Metrics
	now     func() time.Time
}

// New returns a Service reading agents and metrics. now may be nil
// (time.Now).
func New(agents Agents, metrics Metrics, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{agents: agents, metrics: metrics, now: now}
}

// Request is one page of the overview.
type Request struct {
	store.FleetFilter
	Status string // pending, online or offline; "" every status
	Sort   Sort
	Offset int
	Limit  int // page size
}

// Item is one agent of an overview page. Ratios are nil when the agent
// sent no such sample in the last 10 minutes.
type Item struct {
	store.FleetAgent
	CPU, Memory, Disk *float64
	CPUSpark          []query.Point // the last hour at SparkStep
}

// Overview is one page of the fleet with the counts of the whole filtered
// fleet.
type Overview struct {
	Items  []Item
	Total  int            // agents that pass every filter
	Counts map[string]int // agents by status, before the status filter
	Next   int            // offset of the next page; 0 on the last
}

// Windows of the values and the sparkline.
const (
	// NowWindow: "now" is the newest sample within it (agents report every
	// 10 to 60 s); under 10 minutes Top reads raw samples.
	NowWindow   = 5 * time.Minute
	SparkWindow = time.Hour
	SparkStep   = 2 * time.Minute
)

// The series behind the columns: CPU is the share not idle, memory the
// share not available, disk the fullest filesystem.
var (
	cpuSeries    = series{"cpu_usage_ratio", []query.Matcher{mustMatch("cpu", "all")}}
	memorySeries = series{"memory_used_ratio", nil}
	diskSeries   = series{"filesystem_used_ratio", nil}
)

type series struct {
	metric   string
	matchers []query.Matcher
}

func mustMatch(name, value string) query.Matcher {
	ms, err := query.ParseSelector(fmt.Sprintf("{%s=%q}", name, value))
	if err != nil {
		panic(err)
	}
	return ms[0]
}

// Overview reads one page of the tenant's fleet.
func (s *Service) Overview(ctx context.Context, tenantID uuid.UUID, req Request) (*Overview, error) {
	f := req.FleetFilter
	f.Limit = MaxAgents
	agents, err := s.agents.FleetAgents(ctx, tenantID, f)
	if err != nil {
		return nil, err
	}
	out := &Overview{Counts: map[string]int{store.StatusOnline: 0, store.StatusOffline: 0, store.StatusPending: 0}}
	items := make([]Item, 0, len(agents))
	for _, a := range agents {
		out.Counts[a.Status]++
		if req.Status == "" || a.Status == req.Status {
			items = append(items, Item{FleetAgent: a})
		}
	}
	out.Total = len(items)
	if len(items) > 0 {
		if err := s.fillNow(ctx, tenantID, items); err != nil {
			return nil, err
		}
	}
	sortItems(items, req.Sort)
	if req.Offset >= len(items) {
		return out, nil
	}
	end := min(req.Offset+req.Limit, len(items))
	out.Items = items[req.Offset:end]
	if end < len(items) {
		out.Next = end
	}
	return out, s.fillSparks(ctx, tenantID, out.Items)
}

// fillNow sets each item's latest CPU, memory and disk ratio: three reads,
// at once.
func (s *Service) fillNow(ctx context.Context, tenantID uuid.UUID, items []Item) error {
	to := s.now()
	index := make(map[uuid.UUID]*Item, len(items))
	for i := range items {
		index[items[i].ID] = &items[i]
	}
	columns := []series{cpuSeries, memorySeries, diskSeries}
	results := make([]*query.TopResult, len(columns))
	g, gctx := errgroup.WithContext(ctx)
	for i, col := range columns {
		g.Go(func() error {
			res, err := s.metrics.Top(gctx, tenantID, query.TopRequest{Metric: col.metric, Matchers: col.matchers,
				Agg: tsdb.AggLast, From: to.Add(-NowWindow), To: to, Limit: MaxAgents})
			if err != nil {
				return fmt.Errorf("read %s of the fleet: %w", col.metric, err)
			}
			results[i] = res
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, res := range results {
		for _, top := range res.Items {
			it := index[top.AgentID]
			if it == nil {
				continue
			}
			v := top.Value
			switch i {
			case 0:
				it.CPU = &v
			case 1:
				it.Memory = &v
			case 2:
				it.Disk = &v
			}
		}
	}
	return nil
}

// fillSparks sets the CPU sparkline of each item of the page.
func (s *Service) fillSparks(ctx context.Context, tenantID uuid.UUID, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	to := s.now()
	lines, err := s.metrics.Lines(ctx, tenantID, query.LinesRequest{Metric: cpuSeries.metric, Matchers: cpuSeries.matchers,
		AgentIDs: ids, From: to.Add(-SparkWindow), To: to, Step: SparkStep, Agg: tsdb.AggAvg})
	if err != nil {
		return fmt.Errorf("read the fleet's CPU sparklines: %w", err)
	}
	for i := range items {
		items[i].CPUSpark = lines[items[i].ID]
	}
	return nil
}
