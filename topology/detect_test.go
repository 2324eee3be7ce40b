package topology

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/monsys/monsys/wire"
)

// fixtureFleet: web-1 uses db-1 (twice), cache-1 over IPv6, api-1
// through a destination-NAT address, a DNS server and a web site no
// agent runs; worker-1 reaches db-1 through NAT on both ends and cache-1
// over IPv4 on cache-1's dual-stack listener; db-1 serves ssh to web-1
// (only db-1 reports that flow), postgres to an unmanaged 10.0.0.9, and
// its chronyd (listening on 127.0.0.1 only) asks an outside NTP server.
func fixtureFleet() []Agent {
	return []Agent{
		{ID: "web-1", Addresses: []string{"10.0.0.2", "2001:db8::2"}, Sockets: []wire.Socket{
			listen("tcp", "0.0.0.0", 80, "nginx"),
			listen("udp", "0.0.0.0", 51000, "systemd-resolve"), // ephemeral: a client socket, not a service
			conn("tcp", "10.0.0.2", 40001, "10.0.0.5", 5432),
			conn("tcp", "10.0.0.2", 40002, "10.0.0.5", 5432),
			conn("tcp6", "2001:db8::2", 40010, "2001:db8::6", 6379),
			conn("tcp", "10.0.0.2", 80, "203.0.113.50", 51515),
			conn("tcp", "10.0.0.2", 40020, "93.184.216.34", 443),
			conn("tcp", "10.0.0.2", 40030, "198.51.100.10", 8443),
			conn("udp", "10.0.0.2", 51000, "10.0.0.53", 53),
			conn("tcp", "127.0.0.1", 40050, "127.0.0.1", 6379),
		}},
		{ID: "db-1", Addresses: []string{"10.0.0.5"}, Sockets: []wire.Socket{
			listen("tcp", "10.0.0.5", 5432, "postgres"),
			listen("tcp", "0.0.0.0", 22, "sshd"),
			listen("udp", "127.0.0.1", 123, "chronyd"),
			conn("tcp", "10.0.0.5", 5432, "10.0.0.2", 40001),
			conn("tcp", "10.0.0.5", 5432, "10.0.0.2", 40002),
			conn("tcp", "10.0.0.5", 5432, "10.0.0.9", 40100),
			conn("tcp", "10.0.0.5", 5432, "198.51.100.99", 40300),
			conn("tcp", "10.0.0.5", 22, "10.0.0.2", 40060),
			conn("udp", "10.0.0.5", 123, "192.0.2.123", 123),
		}},
		{ID: "cache-1", Addresses: []string{"10.0.0.6", "2001:db8::6"}, Sockets: []wire.Socket{
			listen("tcp6", "::", 6379, "redis-server"),
			conn("tcp6", "2001:db8::6", 6379, "2001:db8::2", 40010),
			conn("tcp6", "::ffff:10.0.0.6", 6379, "::ffff:172.16.0.7", 40201),
		}},
		{ID: "worker-1", Addresses: []string{"172.16.0.7"}, Sockets: []wire.Socket{
			conn("tcp", "172.16.0.7", 40300, "198.51.100.20", 5432),
			conn("tcp", "172.16.0.7", 40201, "10.0.0.6", 6379),
		}},
		{ID: "api-1", Addresses: []string{"10.0.0.8"}, Sockets: []wire.Socket{
			listen("tcp", "0.0.0.0", 8443, "api-server"),
			conn("tcp", "10.0.0.8", 8443, "10.0.0.2", 40030),
		}},
	}
}

func TestDetect(t *testing.T) {
	base := []Edge{
		{To: "db-1", Peer: "10.0.0.9", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 1},
		{To: "web-1", Peer: "203.0.113.50", Proto: "tcp", Port: 80, Service: "nginx", Flows: 1},
		{From: "db-1", Peer: "192.0.2.123", Proto: "udp", Port: 123, Service: "ntp", Flows: 1},
		{From: "web-1", To: "api-1", Proto: "tcp", Port: 8443, Service: "api-server", NAT: true, Flows: 1},
		{From: "web-1", To: "cache-1", Proto: "tcp", Port: 6379, Service: "redis-server", Flows: 1},
		{From: "web-1", To: "db-1", Proto: "tcp", Port: 22, Service: "sshd", Flows: 1},
		{From: "web-1", To: "db-1", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 2},
		{From: "web-1", Peer: "10.0.0.53", Proto: "udp", Port: 53, Service: "dns", Flows: 1},
		{From: "web-1", Peer: "93.184.216.34", Proto: "tcp", Port: 443, Service: "https", Flows: 1},
		{From: "worker-1", To: "cache-1", Proto: "tcp", Port: 6379, Service: "redis-server", Flows: 1},
		{From: "worker-1", To: "db-1", Proto: "tcp", Port: 5432, Service: "postgres", NAT: true, Flows: 1},
	}
	cases := []struct {
		name   string
		change func([]Agent) []Agent
		want   []Edge
	}{
		{"fleet", func(a []Agent) []Agent { return a }, base},
		{"chronyd on 0.0.0.0 makes the NTP flow inbound", func(a []Agent) []Agent {
			a[1].Sockets[2] = listen("udp", "0.0.0.0", 123, "chronyd")
			return a
		}, replace(base, 2, Edge{To: "db-1", Peer: "192.0.2.123", Proto: "udp", Port: 123, Service: "chronyd", Flows: 1}, 0)},
		{"a second server seeing the same NAT ports leaves the NAT flow unmatched", func(a []Agent) []Agent {
			return append(a, Agent{ID: "db-2", Addresses: []string{"10.0.0.15"}, Sockets: []wire.Socket{
				listen("tcp", "0.0.0.0", 5432, "postgres"),
				conn("tcp", "10.0.0.15", 5432, "198.51.100.98", 40300),
			}})
		}, []Edge{
			{To: "db-1", Peer: "10.0.0.9", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 1},
			{To: "db-1", Peer: "198.51.100.99", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 1},
			{To: "db-2", Peer: "198.51.100.98", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 1},
			base[1], base[2], base[3], base[4], base[5], base[6], base[7], base[8], base[9],
			{From: "worker-1", Peer: "198.51.100.20", Proto: "tcp", Port: 5432, Service: "postgres", Flows: 1},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(tc.change(fixtureFleet()))
			slices.SortFunc(tc.want, compareEdges) // the answer's order: from, to, peer, proto, port
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", dump(got), dump(tc.want))
			}
		})
	}
}

// replace drops base[i] and inserts e at position at.
func replace(base []Edge, i int, e Edge, at int) []Edge {
	out := append([]Edge{}, base[:i]...)
	out = append(out, base[i+1:]...)
	return append(out[:at], append([]Edge{e}, out[at:]...)...)
}

func dump(es []Edge) string {
	s := ""
	for _, e := range es {
		s += fmt.Sprintf("  %+v\n", e)
	}
	return s
}

// TestIncrementalEqualsFull changes random agents of a random fleet one
// at a time and holds the detector's answer to a full pass after each.
func TestIncrementalEqualsFull(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fleet := RandomFleet(r, 40, 30)
	d := NewDetector()
	d.Load(fleet)
	for step := range 200 {
		i := r.IntN(len(fleet))
		switch step % 3 {
		case 0:
			fleet[i] = RandomFleet(r, 40, 30)[i]
			fleet[i].ID = fmt.Sprintf("agent-%d", i)
		case 1: // move an address to another agent
			fleet[i].Addresses = []string{fmt.Sprintf("10.9.%d.%d", r.IntN(2), r.IntN(4))}
		default:
			fleet[i].Sockets = fleet[i].Sockets[:len(fleet[i].Sockets)/2]
		}
		d.Update(fleet[i], false)
		if got, want := d.Result(), Detect(fleet); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d (agent %d): incremental\n%s\nfull\n%s", step, i, dump(got), dump(want))
		}
	}
	d.Update(Agent{ID: fleet[0].ID}, true)
	if got, want := d.Result(), Detect(fleet[1:]); !reflect.DeepEqual(got, want) {
		t.Fatalf("after removing agent-0: incremental\n%s\nfull\n%s", dump(got), dump(want))
	}
}
