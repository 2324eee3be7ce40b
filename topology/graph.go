package topology

import (
	"slices"
	"strconv"

	"github.com/monsys/monsys/store"
)

// Zone is a network, site or environment of the map; Parent nests it.
type Zone struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"` // network, site, environment
	Parent string `json:"parent,omitempty"`
}

// Node is a box on the map: an agent, a cloud resource, a device or a
// service.
type Node struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Name      string   `json:"name"`
	AgentID   string   `json:"agent_id,omitempty"`
	Addresses []string `json:"addresses"`
	Zone      string   `json:"zone,omitempty"`
	Tags      []string `json:"tags"`
}

// Link is an arrow on the map: drawn by someone, or detected between two
// agents (Detected true).
type Link struct {
	From     string `json:"from"` // node id
	To       string `json:"to"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port,omitempty"`
	Label    string `json:"label"`
	Detected bool   `json:"detected"`
}

// linkKey is a link's identity in a diff.
func (l Link) linkKey() string {
	return l.From + ">" + l.To + "/" + l.Protocol + "/" + strconv.Itoa(l.Port)
}

// Map is a tenant's whole topology: zones, nodes and links, each sorted.
type Map struct {
	Zones []Zone `json:"zones"`
	Nodes []Node `json:"nodes"`
	Links []Link `json:"links"`
}

// agentNodeID names the node of an agent that has no node of its own.
func agentNodeID(agent string) string { return "agent:" + agent }

// BuildMap joins the drawn map with the detected connections between
// agents: each agent's node is its own when someone made one, otherwise
// one named after the agent. Unmatched peers stay off the map (they are
// listed with ?unmatched=1).
func BuildMap(zones []store.Zone, nodes []store.Node, edges []store.MapEdge, detected []store.Detected) Map {
	m := Map{Zones: []Zone{}, Nodes: []Node{}, Links: []Link{}}
	for _, z := range zones {
		m.Zones = append(m.Zones, Zone{ID: z.ID.String(), Name: z.Name, Kind: z.Kind, Parent: idString(z.ParentID)})
	}
	byAgent := map[string]string{}
	for _, n := range nodes {
		node := Node{ID: n.ID.String(), Kind: n.Kind, Name: n.Name, AgentID: idString(n.AgentID),
			Addresses: nonNil(n.Addresses), Zone: idString(n.ZoneID), Tags: nonNil(n.Tags)}
		if node.AgentID != "" {
			byAgent[node.AgentID] = node.ID
		}
		m.Nodes = append(m.Nodes, node)
	}
	for _, e := range edges {
		l := Link{From: e.From.String(), To: e.To.String(), Protocol: e.Protocol, Label: e.Label}
		if e.Port != nil {
			l.Port = int(*e.Port)
		}
		m.Links = append(m.Links, l)
	}
	drawn := map[string]bool{}
	for _, l := range m.Links {
		drawn[l.linkKey()] = true
	}
	nodeOf := func(agent, name string) string {
		if id, ok := byAgent[agent]; ok {
			return id
		}
		id := agentNodeID(agent)
		byAgent[agent] = id
		m.Nodes = append(m.Nodes, Node{ID: id, Kind: "agent", Name: name, AgentID: agent, Addresses: []string{}, Tags: []string{}})
		return id
	}
	for _, d := range detected {
		if d.FromAgent == nil || d.ToAgent == nil {
			continue
		}
		l := Link{From: nodeOf(d.FromAgent.String(), deref(d.FromName)), To: nodeOf(d.ToAgent.String(), deref(d.ToName)),
			Protocol: d.Proto, Port: int(d.Port), Label: d.Service, Detected: true}
		if !drawn[l.linkKey()] {
			drawn[l.linkKey()] = true
			m.Links = append(m.Links, l)
		}
	}
	m.sort()
	return m
}

func (m *Map) sort() {
	slices.SortFunc(m.Zones, func(a, b Zone) int { return cmpStrings(a.Name, b.Name, a.ID, b.ID) })
	slices.SortFunc(m.Nodes, func(a, b Node) int { return cmpStrings(a.Name, b.Name, a.ID, b.ID) })
	slices.SortFunc(m.Links, func(a, b Link) int { return cmpStrings(a.linkKey(), b.linkKey(), "", "") })
}

func cmpStrings(a1, b1, a2, b2 string) int {
	switch {
	case a1 < b1:
		return -1
	case a1 > b1:
		return 1
	case a2 < b2:
		return -1
	case a2 > b2:
		return 1
	}
	return 0
}

func idString[T interface{ String() string }](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Within keeps the part of the map inside one zone (named by id or name,
// of kind when kind is not empty): the zone and the zones nested in it,
// their nodes, and the links between those nodes. ok is false when the
// map has no such zone.
func (m Map) Within(zone, kind string) (Map, bool) {
	root := ""
	for _, z := range m.Zones {
		if (z.ID == zone || z.Name == zone) && (kind == "" || z.Kind == kind) {
			root = z.ID
			break
		}
	}
	if root == "" {
		return Map{}, false
	}
	keep := map[string]bool{root: true}
	for changed := true; changed; { // nested zones, however deep (cycles end when nothing is added)
		changed = false
		for _, z := range m.Zones {
			if !keep[z.ID] && keep[z.Parent] {
				keep[z.ID], changed = true, true
			}
		}
	}
	out := Map{Zones: []Zone{}, Nodes: []Node{}, Links: []Link{}}
	nodes := map[string]bool{}
	for _, z := range m.Zones {
		if keep[z.ID] {
			if z.ID == root {
				z.Parent = ""
			}
			out.Zones = append(out.Zones, z)
		}
	}
	for _, n := range m.Nodes {
		if keep[n.Zone] {
			nodes[n.ID] = true
			out.Nodes = append(out.Nodes, n)
		}
	}
	for _, l := range m.Links {
		if nodes[l.From] && nodes[l.To] {
			out.Links = append(out.Links, l)
		}
	}
	return out, true
}

// Tagged keeps the nodes carrying tag and the links between them.
func (m Map) Tagged(tag string) Map {
	out := Map{Zones: []Zone{}, Nodes: []Node{}, Links: []Link{}}
	nodes, zones := map[string]bool{}, map[string]bool{}
	for _, n := range m.Nodes {
		for _, t := range n.Tags {
			if t == tag {
				nodes[n.ID], zones[n.Zone] = true, true
				out.Nodes = append(out.Nodes, n)
				break
			}
		}
	}
	for _, z := range m.Zones {
		if zones[z.ID] {
			if !zones[z.Parent] {
				z.Parent = ""
			}
			out.Zones = append(out.Zones, z)
		}
	}
	for _, l := range m.Links {
		if nodes[l.From] && nodes[l.To] {
			out.Links = append(out.Links, l)
		}
	}
	return out
}
