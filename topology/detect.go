package topology

import (
	"cmp"
	"net/netip"
	"slices"
)

// Edge is one detected connection: From dials To on Port. An unmatched
// peer has an empty From or To and its address in Peer.
type Edge struct {
	From    string `json:"from,omitempty"` // agent id; "" when the client is Peer
	To      string `json:"to,omitempty"`   // agent id; "" when the server is Peer
	Peer    string `json:"peer,omitempty"` // address of the unmatched end
	Proto   string `json:"proto"`          // tcp or udp
	Port    int    `json:"port"`           // the server's port
	Service string `json:"service"`        // listening process, else the port's well-known name
	NAT     bool   `json:"nat,omitempty"`  // matched across address translation
	Flows   int    `json:"flows"`          // flows seen in the latest sockets
}

// Key identifies an edge across passes.
type Key struct {
	From, To, Peer, Proto string
	Port                  int
}

// Key is the edge's identity.
func (e Edge) Key() Key { return Key{e.From, e.To, e.Peer, e.Proto, e.Port} }

// Unmatched reports whether one end is no known agent.
func (e Edge) Unmatched() bool { return e.From == "" || e.To == "" }

// contribution is one agent's count of flows for an edge (both ends of
// a flow may report it).
type contribution struct {
	agent string
	flows int
}

// natRef is one flow under its NAT key.
type natRef struct {
	agent   string
	inbound bool
	remote  netip.Addr
}

type clientRef struct {
	addr netip.Addr
	port int
}

// inboundRef is an inbound flow as the server saw it.
type inboundRef struct {
	agent string
	port  int
	proto string
}

// Detector holds the fleet's latest sockets and the edges they give. Not
// safe for concurrent use.
type Detector struct {
	agents    map[string]*agentState
	owner     map[netip.Addr]string          // address → agent (first by id when shared)
	byRemote  map[netip.Addr]map[string]bool // address → agents with flows to it
	byNAT     map[natKey][]natRef            // NAT key → the flows with it
	inboundBy map[clientRef][]inboundRef     // client address:port → servers that saw it
	contrib   map[string]map[Key]Edge        // agent → edges its flows give
	edges     map[Key][]contribution         // edge → the agents whose flows give it
}

// NewDetector returns an empty detector.
func NewDetector() *Detector {
	return &Detector{agents: map[string]*agentState{}, owner: map[netip.Addr]string{},
		byRemote: map[netip.Addr]map[string]bool{}, byNAT: map[natKey][]natRef{},
		inboundBy: map[clientRef][]inboundRef{}, contrib: map[string]map[Key]Edge{}, edges: map[Key][]contribution{}}
}

// Detect is one full pass over a fleet.
func Detect(agents []Agent) []Edge {
	d := NewDetector()
	d.Load(agents)
	return d.Result()
}

// Load replaces the whole fleet and recomputes every edge.
func (d *Detector) Load(agents []Agent) {
	*d = *NewDetector()
	for _, a := range agents {
		d.index(parseAgent(a))
	}
	for id := range d.agents {
		d.recompute(id)
	}
}

// Update sets one agent's inventory (Sockets nil and no Addresses with
// remove true drops it) and recomputes what that can change. It returns
// the keys of edges whose flows changed or that appeared or vanished.
func (d *Detector) Update(a Agent, remove bool) []Key {
	affected := map[string]bool{a.ID: true}
	if old, ok := d.agents[a.ID]; ok {
		d.related(old, affected)
		d.unindex(old)
	}
	if !remove {
		st := parseAgent(a)
		d.index(st)
		d.related(st, affected)
	}
	var changed []Key
	for id := range affected {
		changed = append(changed, d.recompute(id)...)
	}
	return changed
}

// related adds the agents whose edges depend on st's addresses, listeners
// or flows.
func (d *Detector) related(st *agentState, into map[string]bool) {
	for _, a := range st.addrs {
		for id := range d.byRemote[a] {
			into[id] = true
			for _, f := range d.agents[id].flows { // servers that matched this client across NAT
				if f.remote == a {
					for _, r := range d.byNAT[f.natKey()] {
						into[r.agent] = true
					}
				}
			}
		}
	}
	for _, f := range st.flows {
		if id, ok := d.owner[f.remote]; ok {
			into[id] = true
		}
		for _, r := range d.byNAT[f.natKey()] {
			into[r.agent] = true
		}
	}
}

func (d *Detector) index(st *agentState) {
	d.agents[st.id] = st
	for _, a := range st.addrs {
		if cur, ok := d.owner[a]; !ok || st.id < cur {
			d.owner[a] = st.id
		}
	}
	for _, f := range st.flows {
		addSet(d.byRemote, f.remote, st.id)
		d.byNAT[f.natKey()] = append(d.byNAT[f.natKey()], natRef{st.id, f.inbound, f.remote})
		if f.inbound {
			c := clientRef{f.remote, f.rport}
			d.inboundBy[c] = append(d.inboundBy[c], inboundRef{st.id, f.lport, f.proto})
		}
	}
}

func (d *Detector) unindex(st *agentState) {
	delete(d.agents, st.id)
	for _, a := range st.addrs {
		if d.owner[a] != st.id {
			continue
		}
		delete(d.owner, a)
		for _, o := range d.agents { // another agent with the same address takes it
			if o.owns(a) {
				if cur, ok := d.owner[a]; !ok || o.id < cur {
					d.owner[a] = o.id
				}
			}
		}
	}
	for _, f := range st.flows {
		delSet(d.byRemote, f.remote, st.id)
		if refs := slices.DeleteFunc(d.byNAT[f.natKey()], func(r natRef) bool { return r.agent == st.id }); len(refs) == 0 {
			delete(d.byNAT, f.natKey())
		} else {
			d.byNAT[f.natKey()] = refs
		}
		if f.inbound {
			c := clientRef{f.remote, f.rport}
			d.inboundBy[c] = slices.DeleteFunc(d.inboundBy[c], func(r inboundRef) bool { return r.agent == st.id })
			if len(d.inboundBy[c]) == 0 {
				delete(d.inboundBy, c)
			}
		}
	}
}

func addSet[K comparable](m map[K]map[string]bool, k K, id string) {
	s := m[k]
	if s == nil {
		s = map[string]bool{}
		m[k] = s
	}
	s[id] = true
}

func delSet[K comparable](m map[K]map[string]bool, k K, id string) {
	if s := m[k]; s != nil {
		delete(s, id)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// recompute replaces one agent's contribution and answers the keys whose
// merged flows changed.
func (d *Detector) recompute(id string) []Key {
	var fresh map[Key]Edge
	if st, ok := d.agents[id]; ok {
		fresh = d.edgesOf(st)
	}
	old := d.contrib[id]
	var changed []Key
	for k, e := range old {
		if n, ok := fresh[k]; ok && n.Flows == e.Flows {
			continue
		}
		if rest := slices.DeleteFunc(d.edges[k], func(c contribution) bool { return c.agent == id }); len(rest) == 0 {
			delete(d.edges, k)
		} else {
			d.edges[k] = rest
		}
		changed = append(changed, k)
	}
	for k, e := range fresh {
		if o, ok := old[k]; ok && o.Flows == e.Flows {
			continue
		}
		cs := slices.DeleteFunc(d.edges[k], func(c contribution) bool { return c.agent == id })
		d.edges[k] = append(cs, contribution{id, e.Flows})
		changed = append(changed, k)
	}
	if len(fresh) == 0 {
		delete(d.contrib, id)
	} else {
		d.contrib[id] = fresh
	}
	return changed
}

// edgesOf resolves every flow of one agent against the rest of the fleet.
func (d *Detector) edgesOf(st *agentState) map[Key]Edge {
	out := map[Key]Edge{}
	add := func(e Edge) {
		k := e.Key()
		if cur, ok := out[k]; ok {
			cur.Flows++
			out[k] = cur
			return
		}
		e.Flows = 1
		out[k] = e
	}
	for _, f := range st.flows {
		if f.inbound {
			l, _ := st.listensOn(f.proto, f.local, f.lport)
			e := Edge{To: st.id, Proto: f.proto, Port: f.lport, Service: serviceName(l.process, f.proto, f.lport)}
			if c, ok := d.owner[f.remote]; ok {
				e.From = c
			} else if c, ok := d.natClient(st.id, f); ok {
				e.From, e.NAT = c, true
			} else {
				e.Peer = f.remote.String()
			}
			add(e)
			continue
		}
		if isEphemeral(f.rport) && !d.listening(f) {
			continue // the peer's half of a flow this agent serves on a port it did not list
		}
		e := Edge{From: st.id, Proto: f.proto, Port: f.rport}
		if s, ok := d.owner[f.remote]; ok {
			e.To = s
			e.Service = serviceName(d.process(s, f.proto, f.remote, f.rport), f.proto, f.rport)
		} else if s, port, ok := d.natServer(st, f); ok {
			e.To, e.Port, e.NAT = s, port, true
			e.Service = serviceName(d.agents[s].anyProcess(f.proto, port), f.proto, port)
		} else {
			e.Peer = f.remote.String()
			e.Service = serviceName("", f.proto, f.rport)
		}
		add(e)
	}
	return out
}

func (d *Detector) listening(f flow) bool {
	s, ok := d.agents[d.owner[f.remote]]
	if !ok {
		return false
	}
	_, ok = s.listensOn(f.proto, f.remote, f.rport)
	return ok
}

func (d *Detector) process(agent, proto string, addr netip.Addr, port int) string {
	if s, ok := d.agents[agent]; ok {
		if l, ok := s.listensOn(proto, addr, port); ok {
			return l.process
		}
		return s.anyProcess(proto, port)
	}
	return ""
}

func (st *agentState) anyProcess(proto string, port int) string {
	for _, l := range st.listeners {
		if l.proto == proto && l.port == port && l.process != "" {
			return l.process
		}
	}
	return ""
}

// natServer finds the one server that saw client flow f arrive: from the
// client's own address and port (destination NAT), or from a foreign
// address with the same ports (both ends translated, natPair).
func (d *Detector) natServer(client *agentState, f flow) (string, int, bool) {
	var found []inboundRef
	for _, a := range client.addrs {
		for _, r := range d.inboundBy[clientRef{a, f.lport}] {
			if r.proto == f.proto && r.agent != client.id {
				found = append(found, r)
			}
		}
	}
	if len(found) == 1 {
		return found[0].agent, found[0].port, true
	}
	if len(found) > 1 {
		return "", 0, false
	}
	c, s, ok := d.natPair(f.natKey())
	if !ok || c != client.id {
		return "", 0, false
	}
	return s, f.natKey().serverPort, true
}

// natClient finds the client of an inbound flow from a foreign address.
func (d *Detector) natClient(server string, f flow) (string, bool) {
	c, s, ok := d.natPair(f.natKey())
	if !ok || s != server {
		return "", false
	}
	return c, true
}

// natPair answers the client and server of a flow translated on both
// ends: exactly one agent dialled a foreign address with the key's ports
// and exactly one agent saw them arrive from a foreign address.
func (d *Detector) natPair(k natKey) (client, server string, ok bool) {
	clients, servers := map[string]bool{}, map[string]bool{}
	for _, r := range d.byNAT[k] {
		if _, known := d.owner[r.remote]; known {
			continue
		}
		if r.inbound {
			servers[r.agent], server = true, r.agent
		} else {
			clients[r.agent], client = true, r.agent
		}
	}
	return client, server, len(clients) == 1 && len(servers) == 1 && client != server
}

// Result is every detected edge and unmatched peer, ordered.
func (d *Detector) Result() []Edge {
	out := make([]Edge, 0, len(d.edges))
	for k := range d.edges {
		out = append(out, d.Edge(k))
	}
	slices.SortFunc(out, compareEdges)
	return out
}

// Edge is the merged edge of key k; Flows is 0 when it vanished.
func (d *Detector) Edge(k Key) Edge {
	e := Edge{From: k.From, To: k.To, Peer: k.Peer, Proto: k.Proto, Port: k.Port}
	for _, ct := range d.edges[k] {
		if ct.flows > e.Flows {
			e.Flows = ct.flows
		}
		c := d.contrib[ct.agent][k]
		if c.Service != "" && (e.Service == "" || c.Service < e.Service) {
			e.Service = c.Service
		}
		e.NAT = e.NAT || c.NAT
	}
	return e
}

func compareEdges(a, b Edge) int {
	return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Peer, b.Peer),
		cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
}
