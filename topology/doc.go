// Package topology derives the connections between agents from what they
// see on the wire, and draws maps of them.
//
// Detection (detect.go, flow.go) is pure: it reads each agent's latest
// `sockets` inventory (listening sockets and established TCP/UDP flows,
// wire.Socket) and its host inventory addresses (wire.HostInfo.Addresses)
// and answers detected edges ("web-1 → db-1:5432 (postgres)") and
// unmatched peers (a peer address that is no known agent: an unmanaged
// server or an outside service). The rules:
//
//   - A flow is inbound when its agent listens on the flow's local port on
//     that local address, on 0.0.0.0 (IPv4) or on :: (IPv4 and IPv6);
//     otherwise it is outbound. Listeners on ports of Linux's ephemeral
//     range (32768–60999) are not services (unconnected UDP client sockets
//     look like listeners) and never make a flow inbound.
//   - An outbound flow to an address of another agent is an edge to that
//     agent's port. IPv4-mapped IPv6 addresses count as their IPv4 form.
//     Loopback flows and flows to the agent's own addresses are local.
//   - NAT, where both ends report: a client that dialled an address no
//     agent owns is matched to the server that saw the same flow arrive,
//     either from the client's own address and source port (destination
//     NAT), or from a foreign address with the same source port on the
//     same destination port (both translated, ports preserved). Exactly one
//     candidate server must match; otherwise the flow stays unmatched.
//   - An inbound flow from an address no agent owns, that no client
//     matches, is an unmatched peer of the server.
//   - An edge is keyed by (from, to, proto, port); its Flows is the number
//     of flows seen for it in the latest sockets of either end (the larger
//     of the two ends' counts, so a flow both ends report counts once).
//
// A Detector keeps the fleet's latest sockets in memory and recomputes
// only what one agent's change can affect (Update): the agent itself,
// agents with flows to its addresses, the owners of its peers and the
// agents that share a NAT key with its flows. Full and incremental passes
// give the same answer (TestIncrementalEqualsFull).
//
// # Blast radius
//
// Graph.BlastRadius answers, for a compromised agent, every agent an
// attacker reaches in at most depth hops (1 to 4, default 2), each by its
// best path, with the evidence of every hop. Evidence and weights:
//
//	connects_to     0.6  the host dials the next (detected or drawn edge)
//	connected_from  0.4  the next host dials this one
//	shared_ssh_key  0.9  one key fingerprint authorized on both hosts
//	nopasswd_sudo   0.5  the user the attacker arrives as (by a shared key
//	                     or the same login name) is root on the next host
//	                     without a password (by name, %group or ALL)
//	same_user       0.3  one login name on both (system and locked
//	                     accounts left out): the same person, likely the
//	                     same password
//	same_network    0.2  both agents' nodes are in one network zone
//
// A hop's score is the chance that at least one piece of evidence holds,
// taking each as independent: 1 − ∏(1 − weight). A path's score is the
// product of its hops' scores; a host's is its best path's. Answers are
// ranked by score, then name. Scores are rounded to three decimals.
//
// A Detector is not safe for concurrent use: its owner (the detection
// worker) serialises Update and Result.
package topology
