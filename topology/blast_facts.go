package topology

import (
	"encoding/json"
	"fmt"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// BlastKinds are the inventory kinds the blast radius reads.
var BlastKinds = []string{wire.KindSSHKeys, wire.KindSudo, wire.KindUsers, wire.KindGroups}

// FleetGraph builds the blast-radius graph of a tenant from its agents'
// latest inventories, its map (network zones of agent nodes, drawn
// edges between agents) and its detected connections. Items that do not
// decode count as none.
func FleetGraph(kinds []store.AgentKind, m Map, detected []store.Detected) *Graph {
	byID := map[string]*HostFacts{}
	var order []string
	for _, k := range kinds {
		id := k.AgentID.String()
		h := byID[id]
		if h == nil {
			h = &HostFacts{ID: id, Name: k.Hostname}
			byID[id] = h
			order = append(order, id)
		}
		switch k.Kind {
		case wire.KindSSHKeys:
			_ = json.Unmarshal(k.Items, &h.Keys) // malformed: no keys
		case wire.KindSudo:
			_ = json.Unmarshal(k.Items, &h.Sudo) // malformed: no rules
		case wire.KindUsers:
			_ = json.Unmarshal(k.Items, &h.Users) // malformed: no users
		case wire.KindGroups:
			_ = json.Unmarshal(k.Items, &h.Groups) // malformed: no groups
		}
	}
	networks := map[string]bool{}
	for _, z := range m.Zones {
		if z.Kind == "network" {
			networks[z.ID] = true
		}
	}
	agentOfNode := map[string]string{}
	for _, n := range m.Nodes {
		if n.AgentID == "" {
			continue
		}
		agentOfNode[n.ID] = n.AgentID
		if h := byID[n.AgentID]; h != nil && networks[n.Zone] {
			h.Network = n.Zone
		}
	}
	var links []AgentLink
	for _, l := range m.Links {
		from, to := agentOfNode[l.From], agentOfNode[l.To]
		if from == "" || to == "" || l.Detected {
			continue
		}
		links = append(links, AgentLink{From: from, To: to, Label: linkLabel(byID, from, to, l.Protocol, l.Port, l.Label, "drawn")})
	}
	for _, d := range detected {
		if d.FromAgent == nil || d.ToAgent == nil {
			continue
		}
		from, to := d.FromAgent.String(), d.ToAgent.String()
		links = append(links, AgentLink{From: from, To: to, Label: linkLabel(byID, from, to, d.Proto, int(d.Port), d.Service, "detected")})
	}
	hosts := make([]HostFacts, 0, len(order))
	for _, id := range order {
		hosts = append(hosts, *byID[id])
	}
	return NewGraph(hosts, links)
}

func linkLabel(hosts map[string]*HostFacts, from, to, proto string, port int, service, how string) string {
	name := func(id string) string {
		if h := hosts[id]; h != nil {
			return h.Name
		}
		return id
	}
	s := fmt.Sprintf("%s → %s", name(from), name(to))
	if port > 0 {
		s += fmt.Sprintf(":%d", port)
	}
	if service != "" {
		s += " (" + service + ")"
	} else if proto != "" {
		s += " (" + proto + ")"
	}
	return s + ", " + how
}
