package topology

import "reflect"

// Change is one node or link in both maps, before and after.
type Change[T any] struct {
	Before T `json:"before"`
	After  T `json:"after"`
}

// Diff is what changed from one map (against) to another.
type Diff struct {
	NodesAdded   []Node         `json:"nodes_added"`
	NodesRemoved []Node         `json:"nodes_removed"`
	NodesChanged []Change[Node] `json:"nodes_changed"`
	LinksAdded   []Link         `json:"links_added"`
	LinksRemoved []Link         `json:"links_removed"`
	LinksChanged []Change[Link] `json:"links_changed"`
}

// Compare answers what changed from before to after: nodes by id, links
// by (from, to, protocol, port), in the maps' order.
func Compare(before, after Map) Diff {
	d := Diff{NodesAdded: []Node{}, NodesRemoved: []Node{}, NodesChanged: []Change[Node]{},
		LinksAdded: []Link{}, LinksRemoved: []Link{}, LinksChanged: []Change[Link]{}}
	d.NodesAdded, d.NodesRemoved, d.NodesChanged = compareBy(before.Nodes, after.Nodes, func(n Node) string { return n.ID })
	d.LinksAdded, d.LinksRemoved, d.LinksChanged = compareBy(before.Links, after.Links, Link.linkKey)
	return d
}

func compareBy[T any](before, after []T, key func(T) string) (added, removed []T, changed []Change[T]) {
	added, removed, changed = []T{}, []T{}, []Change[T]{}
	old := make(map[string]T, len(before))
	for _, b := range before {
		old[key(b)] = b
	}
	seen := make(map[string]bool, len(after))
	for _, a := range after {
		k := key(a)
		seen[k] = true
		b, ok := old[k]
		switch {
		case !ok:
			added = append(added, a)
		case !reflect.DeepEqual(a, b):
			changed = append(changed, Change[T]{Before: b, After: a})
		}
	}
	for _, b := range before {
		if !seen[key(b)] {
			removed = append(removed, b)
		}
	}
	return added, removed, changed
}
