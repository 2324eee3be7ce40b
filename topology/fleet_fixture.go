package topology

import (
	"fmt"
	"math/rand/v2"

	"github.com/monsys/monsys/wire"
)

// RandomFleet makes n agents with about perAgent sockets each: services
// on well-known ports, flows between the agents (both ends reported),
// flows to outside addresses, and a few NAT'd flows. Tests and the
// benchmark use it; r makes it repeatable.
func RandomFleet(r *rand.Rand, n, perAgent int) []Agent {
	ports := []int{22, 80, 443, 5432, 6379, 8080, 9100}
	agents := make([]Agent, n)
	services := make([][]int, n) // listening ports of each agent
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", 1+i/65536, i/256%256, i%256) }
	for i := range agents {
		agents[i] = Agent{ID: fmt.Sprintf("agent-%d", i), Name: fmt.Sprintf("host-%d", i), Addresses: []string{addr(i)}}
		for _, p := range ports[:1+r.IntN(len(ports))] {
			agents[i].Sockets = append(agents[i].Sockets, listen("tcp", "0.0.0.0", p, ""))
			services[i] = append(services[i], p)
		}
	}
	for i := range agents {
		for len(agents[i].Sockets) < perAgent {
			cport := ephemeralLow + r.IntN(ephemeralHigh-ephemeralLow)
			switch k := r.IntN(10); {
			case k < 7: // to another agent's service, both ends reporting
				j := r.IntN(n)
				if j == i {
					continue
				}
				port := services[j][r.IntN(len(services[j]))]
				agents[i].Sockets = append(agents[i].Sockets, conn("tcp", addr(i), cport, addr(j), port))
				if len(agents[j].Sockets) < perAgent*2 {
					agents[j].Sockets = append(agents[j].Sockets, conn("tcp", addr(j), port, addr(i), cport))
				}
			case k < 9: // outside
				agents[i].Sockets = append(agents[i].Sockets, conn("tcp", addr(i), cport, fmt.Sprintf("203.0.113.%d", r.IntN(256)), 443))
			default: // NAT on both ends, ports preserved
				j := r.IntN(n)
				if j == i {
					continue
				}
				agents[i].Sockets = append(agents[i].Sockets, conn("tcp", addr(i), cport, "198.51.100.1", 443))
				agents[j].Sockets = append(agents[j].Sockets, listen("tcp", "0.0.0.0", 443, ""), conn("tcp", addr(j), 443, "198.51.100.2", cport))
			}
		}
	}
	return agents
}

// listen is a listening socket.
func listen(proto, addr string, port int, process string) wire.Socket {
	return wire.Socket{Proto: proto, State: "LISTEN", LocalAddr: addr, LocalPort: port, Process: process}
}

// conn is an established flow.
func conn(proto, laddr string, lport int, raddr string, rport int) wire.Socket {
	return wire.Socket{Proto: proto, State: "ESTABLISHED", LocalAddr: laddr, LocalPort: lport, RemoteAddr: raddr, RemotePort: rport}
}
