package topology

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/monsys/monsys/wire"
)

// Evidence kinds of the blast radius and their weights (doc.go, "Blast
// radius").
const (
	EvidenceConnectsTo    = "connects_to"    // the host dials the next one (detected or drawn edge)
	EvidenceConnectedFrom = "connected_from" // the next host dials this one
	EvidenceSharedKey     = "shared_ssh_key" // one key fingerprint authorized on both
	EvidenceNoPasswdSudo  = "nopasswd_sudo"  // the user the attacker arrives as is root without a password
	EvidenceSameUser      = "same_user"      // one login name (not a system account) on both
	EvidenceSameNetwork   = "same_network"   // both agents' nodes are in one network zone
)

var evidenceWeight = map[string]float64{
	EvidenceConnectsTo: 0.6, EvidenceConnectedFrom: 0.4, EvidenceSharedKey: 0.9,
	EvidenceNoPasswdSudo: 0.5, EvidenceSameUser: 0.3, EvidenceSameNetwork: 0.2,
}

// HostFacts is what the blast radius knows of one agent.
type HostFacts struct {
	ID, Name string
	Keys     []wire.SSHKey
	Sudo     []wire.SudoRule
	Users    []wire.User
	Groups   []wire.Group
	Network  string // network zone of the agent's node, "" when unknown
}

// AgentLink is a connection between two agents, detected or drawn.
type AgentLink struct {
	From, To string // agent ids
	Label    string // web-1 → db-1:5432 (postgres)
}

// Evidence is one reason a hop is possible.
type Evidence struct {
	Kind   string  `json:"kind"`
	Detail string  `json:"detail"`
	Weight float64 `json:"weight"`
}

// Hop is one step of a path: from one host to the next, and why.
type Hop struct {
	From     string     `json:"from"`
	FromName string     `json:"from_name"`
	To       string     `json:"to"`
	ToName   string     `json:"to_name"`
	Score    float64    `json:"score"`
	Evidence []Evidence `json:"evidence"`
}

// Reach is one host the compromised one reaches, by its best path.
type Reach struct {
	Agent string  `json:"agent"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
	Depth int     `json:"depth"`
	Path  []Hop   `json:"path"`
}

// Graph indexes a fleet's facts for blast-radius questions. Read-only
// after NewGraph: safe for concurrent use.
type Graph struct {
	hosts  map[string]*HostFacts
	out    map[string][]AgentLink
	in     map[string][]AgentLink
	byKey  map[string][]string // fingerprint → hosts
	byUser map[string][]string // login name → hosts
	byNet  map[string][]string // network → hosts
}

// NewGraph indexes hosts and the links between them.
func NewGraph(hosts []HostFacts, links []AgentLink) *Graph {
	g := &Graph{hosts: map[string]*HostFacts{}, out: map[string][]AgentLink{}, in: map[string][]AgentLink{},
		byKey: map[string][]string{}, byUser: map[string][]string{}, byNet: map[string][]string{}}
	for i := range hosts {
		h := &hosts[i]
		g.hosts[h.ID] = h
		for _, fp := range uniq(h.Keys, func(k wire.SSHKey) string { return k.Fingerprint }) {
			g.byKey[fp] = append(g.byKey[fp], h.ID)
		}
		for _, u := range uniq(loginUsers(h.Users), func(u wire.User) string { return u.Name }) {
			g.byUser[u] = append(g.byUser[u], h.ID)
		}
		if h.Network != "" {
			g.byNet[h.Network] = append(g.byNet[h.Network], h.ID)
		}
	}
	for _, l := range links {
		if l.From == l.To || g.hosts[l.From] == nil || g.hosts[l.To] == nil {
			continue
		}
		g.out[l.From] = append(g.out[l.From], l)
		g.in[l.To] = append(g.in[l.To], l)
	}
	return g
}

func uniq[T any](items []T, key func(T) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		if k := key(it); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// loginUsers are the accounts a person logs in with: not system, not
// locked.
func loginUsers(us []wire.User) []wire.User {
	var out []wire.User
	for _, u := range us {
		if !u.System && !u.Locked {
			out = append(out, u)
		}
	}
	return out
}

// neighbours are the hosts one hop from id could reach, by any evidence.
func (g *Graph) neighbours(id string) map[string]bool {
	h := g.hosts[id]
	out := map[string]bool{}
	for _, l := range g.out[id] {
		out[l.To] = true
	}
	for _, l := range g.in[id] {
		out[l.From] = true
	}
	for _, fp := range uniq(h.Keys, func(k wire.SSHKey) string { return k.Fingerprint }) {
		for _, o := range g.byKey[fp] {
			out[o] = true
		}
	}
	for _, u := range uniq(loginUsers(h.Users), func(u wire.User) string { return u.Name }) {
		for _, o := range g.byUser[u] {
			out[o] = true
		}
	}
	if h.Network != "" {
		for _, o := range g.byNet[h.Network] {
			out[o] = true
		}
	}
	delete(out, id)
	return out
}

// hop is the evidence that an attacker on from reaches to.
func (g *Graph) hop(from, to string) Hop {
	a, b := g.hosts[from], g.hosts[to]
	h := Hop{From: from, FromName: a.Name, To: to, ToName: b.Name}
	add := func(kind, detail string) {
		h.Evidence = append(h.Evidence, Evidence{Kind: kind, Detail: detail, Weight: evidenceWeight[kind]})
	}
	for _, l := range g.out[from] {
		if l.To == to {
			add(EvidenceConnectsTo, l.Label)
		}
	}
	for _, l := range g.in[from] {
		if l.From == to {
			add(EvidenceConnectedFrom, l.Label)
		}
	}
	arrivals := map[string]bool{} // users the attacker can arrive as on b
	for _, ka := range a.Keys {
		for _, kb := range b.Keys {
			if ka.Fingerprint != "" && ka.Fingerprint == kb.Fingerprint && !arrivals[kb.User] {
				arrivals[kb.User] = true
				add(EvidenceSharedKey, fmt.Sprintf("key %s is authorized for %s on %s and for %s on %s",
					ka.Fingerprint, ka.User, a.Name, kb.User, b.Name))
			}
		}
	}
	onA := map[string]bool{}
	for _, u := range loginUsers(a.Users) {
		onA[u.Name] = true
	}
	for _, u := range loginUsers(b.Users) {
		if onA[u.Name] {
			add(EvidenceSameUser, fmt.Sprintf("%s has an account on %s and on %s", u.Name, a.Name, b.Name))
			arrivals[u.Name] = true
		}
	}
	for _, u := range slices.Sorted(maps.Keys(arrivals)) {
		if rule, ok := nopasswd(b, u); ok {
			add(EvidenceNoPasswdSudo, fmt.Sprintf("%s may run %s as %s on %s without a password (%s)",
				u, strings.Join(rule.Commands, ", "), cmp.Or(rule.RunAs, "root"), b.Name, rule.Source))
			break
		}
	}
	if a.Network != "" && a.Network == b.Network {
		add(EvidenceSameNetwork, fmt.Sprintf("%s and %s are in one network", a.Name, b.Name))
	}
	miss := 1.0
	for _, e := range h.Evidence {
		miss *= 1 - e.Weight
	}
	h.Score = round3(1 - miss)
	return h
}

// nopasswd finds a NOPASSWD rule on h that applies to user: by name, by
// one of the user's groups (%group), or ALL.
func nopasswd(h *HostFacts, user string) (wire.SudoRule, bool) {
	groups := map[string]bool{}
	for _, u := range h.Users {
		if u.Name == user {
			for _, g := range u.Groups {
				groups[g] = true
			}
		}
	}
	for _, g := range h.Groups {
		if slices.Contains(g.Members, user) {
			groups[g.Name] = true
		}
	}
	for _, r := range h.Sudo {
		if !r.NoPasswd {
			continue
		}
		p := r.Principal
		if p == user || p == "ALL" || (strings.HasPrefix(p, "%") && groups[p[1:]]) {
			return r, true
		}
	}
	return wire.SudoRule{}, false
}

func round3(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 3, 64), 64)
	return v
}

// MaxDepth bounds the hops of a path.
const MaxDepth = 4

// BlastRadius answers every host an attacker on from reaches in at most
// depth hops, each by its best path (highest score: the product of its
// hops' scores), ranked by score, then name. ok is false when from is no
// host of the graph.
func (g *Graph) BlastRadius(from string, depth int) ([]Reach, bool) {
	if g.hosts[from] == nil {
		return nil, false
	}
	depth = max(1, min(depth, MaxDepth))
	best := map[string]Reach{from: {Agent: from, Name: g.hosts[from].Name, Score: 1}}
	frontier := []string{from}
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var next []string
		for _, u := range frontier {
			ru := best[u]
			for v := range g.neighbours(u) {
				if cur, ok := best[v]; ok && cur.Score >= ru.Score { // a hop scores at most 1: nothing to gain
					continue
				}
				h := g.hop(u, v)
				if len(h.Evidence) == 0 {
					continue
				}
				score := round3(ru.Score * h.Score)
				if cur, ok := best[v]; ok && cur.Score >= score {
					continue
				}
				path := append(slices.Clip(ru.Path), h)
				best[v] = Reach{Agent: v, Name: g.hosts[v].Name, Score: score, Depth: d, Path: path}
				next = append(next, v)
			}
		}
		slices.Sort(next)
		frontier = slices.Compact(next)
	}
	delete(best, from)
	out := make([]Reach, 0, len(best))
	for _, r := range best {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Reach) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Agent, b.Agent))
	})
	return out, true
}

// BlastMermaid draws the compromised host and the hops of every path.
func (g *Graph) BlastMermaid(from string, reach []Reach) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	if h := g.hosts[from]; h != nil {
		b.WriteString("  " + MermaidID("n", from) + `[["` + MermaidText(h.Name+" (compromised)") + `"]]` + "\n")
	}
	drawn := map[string]bool{}
	for _, r := range reach {
		b.WriteString("  " + MermaidID("n", r.Agent) + `["` + MermaidText(fmt.Sprintf("%s %.0f%%", r.Name, r.Score*100)) + `"]` + "\n")
	}
	for _, r := range reach {
		for _, h := range r.Path {
			key := h.From + ">" + h.To
			if drawn[key] {
				continue
			}
			drawn[key] = true
			kinds := uniq(h.Evidence, func(e Evidence) string { return e.Kind })
			b.WriteString("  " + MermaidID("n", h.From) + ` -->|"` + MermaidText(strings.Join(kinds, ", ")) + `"| ` + MermaidID("n", h.To) + "\n")
		}
	}
	return b.String()
}
