package topology

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
)

// MermaidID is a node's or zone's identifier in Mermaid source: stable
// (the same id gives the same name in every export), made of letters and
// digits only, so no label or id can break out of the syntax.
func MermaidID(prefix, id string) string {
	sum := sha256.Sum256([]byte(id))
	return prefix + hex.EncodeToString(sum[:8])
}

// MermaidText escapes a label for a quoted Mermaid string: letters,
// digits, spaces and a few plain marks pass; everything else (quotes,
// brackets, markup, #, newlines and other controls) becomes an entity
// code (#34;), which Mermaid decodes when it draws the label.
func MermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '.' || r == ':' || r == '_' || r == '-' || r == '/' || r == ',' || r == '@' || r == '+' || r == '=':
			b.WriteRune(r)
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			b.WriteRune(r)
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte('#')
			b.WriteString(strconv.Itoa(int(r)))
			b.WriteByte(';')
		}
	}
	return b.String()
}

// Mermaid writes the map as a Mermaid flowchart: zones as (nested)
// subgraphs holding their nodes, links as arrows labelled with their
// service and port, detected links dashed. Node and zone ids are
// MermaidID's, so the same map exports the same text.
func Mermaid(m Map) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	children := map[string][]Zone{}
	zoneIDs := map[string]bool{}
	for _, z := range m.Zones {
		zoneIDs[z.ID] = true
	}
	for _, z := range m.Zones {
		parent := z.Parent
		if !zoneIDs[parent] {
			parent = ""
		}
		children[parent] = append(children[parent], z)
	}
	nodesIn := map[string][]Node{}
	for _, n := range m.Nodes {
		zone := n.Zone
		if !zoneIDs[zone] {
			zone = ""
		}
		nodesIn[zone] = append(nodesIn[zone], n)
	}
	var writeZone func(z Zone, depth int, seen map[string]bool)
	writeNodes := func(zone string, depth int) {
		for _, n := range nodesIn[zone] {
			b.WriteString(strings.Repeat("  ", depth))
			b.WriteString(MermaidID("n", n.ID))
			open, close := shape(n.Kind)
			b.WriteString(open + `"` + MermaidText(n.Name) + `"` + close + "\n")
		}
	}
	writeZone = func(z Zone, depth int, seen map[string]bool) {
		if seen[z.ID] { // a cycle of parents: draw each zone once
			return
		}
		seen[z.ID] = true
		ind := strings.Repeat("  ", depth)
		b.WriteString(ind + "subgraph " + MermaidID("z", z.ID) + `["` + MermaidText(z.Name+" ("+z.Kind+")") + `"]` + "\n")
		writeNodes(z.ID, depth+1)
		for _, c := range children[z.ID] {
			writeZone(c, depth+1, seen)
		}
		b.WriteString(ind + "end\n")
	}
	writeNodes("", 1)
	seen := map[string]bool{}
	for _, z := range children[""] {
		writeZone(z, 1, seen)
	}
	for _, z := range m.Zones { // zones in a parent cycle have no root
		if !seen[z.ID] {
			writeZone(z, 1, seen)
		}
	}
	for _, l := range m.Links {
		arrow := "-->"
		if l.Detected {
			arrow = "-.->"
		}
		label := l.Label
		if l.Port > 0 {
			label = strings.TrimSpace(label + " " + l.Protocol + "/" + strconv.Itoa(l.Port))
		}
		b.WriteString("  " + MermaidID("n", l.From) + " " + arrow)
		if label != "" {
			b.WriteString(`|"` + MermaidText(label) + `"|`)
		}
		b.WriteString(" " + MermaidID("n", l.To) + "\n")
	}
	return b.String()
}

// shape draws agents as boxes, services as rounded boxes, cloud resources
// as stadiums and devices as hexagons.
func shape(kind string) (string, string) {
	switch kind {
	case "service":
		return "(", ")"
	case "cloud":
		return "([", "])"
	case "device":
		return "{{", "}}"
	}
	return "[", "]"
}
