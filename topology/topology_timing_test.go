package topology

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

// The fleet: 3000 agents with 200 sockets each.
const (
	benchAgents  = 3000
	benchSockets = 200
)

// BenchmarkDetectFull is one full detection pass over the fleet (target
// ≤ 30 s).
func BenchmarkDetectFull(b *testing.B) {
	fleet := RandomFleet(rand.New(rand.NewPCG(7, 7)), benchAgents, benchSockets)
	b.ReportAllocs()
	b.ResetTimer()
	var edges int
	for b.Loop() {
		d := NewDetector()
		d.Load(fleet)
		edges = len(d.edges)
	}
	b.ReportMetric(float64(edges), "edges")
}

// BenchmarkDetectIncremental is one agent's sockets changing in a loaded
// fleet (target ≤ 100 ms).
func BenchmarkDetectIncremental(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	fleet := RandomFleet(r, benchAgents, benchSockets)
	d := NewDetector()
	d.Load(fleet)
	other := RandomFleet(rand.New(rand.NewPCG(8, 8)), benchAgents, benchSockets)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		a := other[i%benchAgents]
		d.Update(a, false)
		i++
	}
}

// benchGraph is the fleet with a blast-radius graph: every agent holds
// its own key and one of 50 team keys, one of 20 login names, and one in
// ten a NOPASSWD rule; detected connections from RandomFleet.
func benchGraph() *Graph {
	r := rand.New(rand.NewPCG(9, 9))
	fleet := RandomFleet(r, benchAgents, benchSockets)
	var links []AgentLink
	for _, e := range Detect(fleet) {
		if !e.Unmatched() {
			links = append(links, AgentLink{From: e.From, To: e.To, Label: fmt.Sprintf("%s → %s:%d", e.From, e.To, e.Port)})
		}
	}
	hosts := make([]HostFacts, len(fleet))
	for i, a := range fleet {
		team := fmt.Sprintf("team-%d", r.IntN(50))
		user := fmt.Sprintf("user-%d", r.IntN(20))
		hosts[i] = HostFacts{ID: a.ID, Name: a.Name,
			Keys:  []wire.SSHKey{{User: "root", Fingerprint: "SHA256:own-" + a.ID}, {User: team, Fingerprint: "SHA256:" + team}},
			Users: []wire.User{{Name: user, UID: 1000}, {Name: team, UID: 1001}}}
		if i%10 == 0 {
			hosts[i].Sudo = []wire.SudoRule{{Principal: team, Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers.d/team:1"}}
		}
	}
	return NewGraph(hosts, links)
}

// BenchmarkBlastRadius is one agent's blast radius at the default depth
// in that fleet; p95_ms is the 95th percentile over the agents asked
// (target ≤ 200 ms).
func BenchmarkBlastRadius(b *testing.B) {
	g := benchGraph()
	b.ReportAllocs()
	b.ResetTimer()
	var took []time.Duration
	var reached int
	i := 0
	for b.Loop() {
		start := time.Now()
		rs, _ := g.BlastRadius(fmt.Sprintf("agent-%d", (i*7919)%benchAgents), 2)
		took = append(took, time.Since(start))
		reached = len(rs)
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95_ms")
	b.ReportMetric(float64(reached), "reached")
}

// BenchmarkMermaid3000 exports a map of 3000 nodes in 30 zones and their
// detected links.
func BenchmarkMermaid3000(b *testing.B) {
	m := Map{}
	for z := range 30 {
		m.Zones = append(m.Zones, Zone{ID: fmt.Sprintf("zone-%d", z), Name: fmt.Sprintf("net-%d", z), Kind: "network"})
	}
	r := rand.New(rand.NewPCG(3, 3))
	for i := range benchAgents {
		m.Nodes = append(m.Nodes, Node{ID: fmt.Sprintf("node-%d", i), Kind: "agent", Name: fmt.Sprintf("host-%d", i), Zone: fmt.Sprintf("zone-%d", i%30)})
	}
	for range 3 * benchAgents {
		m.Links = append(m.Links, Link{From: fmt.Sprintf("node-%d", r.IntN(benchAgents)), To: fmt.Sprintf("node-%d", r.IntN(benchAgents)),
			Protocol: "tcp", Port: 5432, Label: "postgres", Detected: true})
	}
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		size = len(Mermaid(m))
	}
	b.ReportMetric(float64(size), "bytes")
}
