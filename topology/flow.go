package topology

import (
	"net/netip"
	"strings"

	"github.com/monsys/monsys/wire"
)

// Ephemeral ports (Linux's default ip_local_port_range): a socket bound
// there is a client's, never a service.
const (
	ephemeralLow  = 32768
	ephemeralHigh = 60999
)

func isEphemeral(port int) bool { return port >= ephemeralLow && port <= ephemeralHigh }

// Agent is one agent's inventory as detection reads it.
type Agent struct {
	ID        string
	Name      string
	Addresses []string      // host inventory addresses
	Sockets   []wire.Socket // latest sockets inventory
}

// flow is one established socket of an agent, classified.
type flow struct {
	proto   string // tcp or udp
	local   netip.Addr
	lport   int
	remote  netip.Addr
	rport   int
	inbound bool // the agent listens on lport: the remote is the client
}

// natKey identifies a flow across a translating router: its client's
// source port and its server's port, which port-preserving NAT keeps.
type natKey struct {
	proto      string
	clientPort int
	serverPort int
}

func (f flow) natKey() natKey {
	if f.inbound {
		return natKey{f.proto, f.rport, f.lport}
	}
	return natKey{f.proto, f.lport, f.rport}
}

// listener is one listening socket: addr is unspecified for 0.0.0.0/::.
type listener struct {
	proto   string
	addr    netip.Addr
	port    int
	dual    bool // bound on :: (tcp6/udp6): takes IPv4 too
	process string
}

// agentState is one agent's parsed inventory.
type agentState struct {
	id        string
	name      string
	addrs     []netip.Addr
	listeners []listener
	flows     []flow
}

func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func baseProto(p string) string { return strings.TrimSuffix(p, "6") }

// parseAgent classifies an agent's sockets. Sockets it cannot read are
// left out.
func parseAgent(a Agent) *agentState {
	st := &agentState{id: a.ID, name: a.Name}
	for _, s := range a.Addresses {
		if ip, ok := parseAddr(s); ok && !ip.IsLoopback() && !ip.IsUnspecified() {
			st.addrs = append(st.addrs, ip)
		}
	}
	for _, s := range a.Sockets {
		if s.State != "LISTEN" || isEphemeral(s.LocalPort) || s.LocalPort <= 0 {
			continue
		}
		ip, ok := parseAddr(s.LocalAddr)
		if !ok {
			continue
		}
		st.listeners = append(st.listeners, listener{proto: baseProto(s.Proto), addr: ip, port: s.LocalPort,
			dual: strings.HasSuffix(s.Proto, "6") && ip.IsUnspecified(), process: s.Process})
	}
	for _, s := range a.Sockets {
		if s.State != "ESTABLISHED" {
			continue
		}
		l, ok1 := parseAddr(s.LocalAddr)
		r, ok2 := parseAddr(s.RemoteAddr)
		if !ok1 || !ok2 || r.IsLoopback() || r.IsUnspecified() || st.owns(r) || r == l {
			continue
		}
		f := flow{proto: baseProto(s.Proto), local: l, lport: s.LocalPort, remote: r, rport: s.RemotePort}
		_, f.inbound = st.listensOn(f.proto, l, s.LocalPort)
		st.flows = append(st.flows, f)
	}
	return st
}

func (st *agentState) owns(ip netip.Addr) bool {
	for _, a := range st.addrs {
		if a == ip {
			return true
		}
	}
	return false
}

// listensOn finds the listener that takes connections to addr:port.
func (st *agentState) listensOn(proto string, addr netip.Addr, port int) (listener, bool) {
	for _, l := range st.listeners {
		if l.proto != proto || l.port != port {
			continue
		}
		switch {
		case l.addr == addr:
			return l, true
		case l.addr.IsUnspecified() && (l.dual || l.addr.Is4() == addr.Is4()):
			return l, true
		}
	}
	return listener{}, false
}
