package topology

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileLabels are names people and agents can give things.
var hostileLabels = []string{
	`say "hi"`, `x"]] y`, `db"] --> evil["x`, `db[primary]`, `a{b}(c)|d`, `<script>alert(1)</script>`, `<b>bold</b> &amp; &lt;`,
	"two\nlines\r\nand\ttab", `#quot; #35; entity`, `ünïcödé 数据库 🚀 emoji`, `end`, `subgraph`,
	`a --> b`, `x;y`, "`backtick`", `%%{init: {}}%%`, `\escaped\`, `click x call alert()`,
}

func hostileMap() Map {
	m := Map{}
	for i, l := range hostileLabels {
		id := string(rune('a'+i)) + "-id"
		m.Zones = append(m.Zones, Zone{ID: "z" + id, Name: l, Kind: "network"})
		m.Nodes = append(m.Nodes, Node{ID: id, Kind: []string{"agent", "service", "cloud", "device"}[i%4], Name: l, Zone: "z" + id})
		if i > 0 {
			m.Links = append(m.Links, Link{From: m.Nodes[i-1].ID, To: id, Protocol: "tcp", Port: 5432, Label: l, Detected: i%2 == 0})
		}
	}
	m.Zones[1].Parent = m.Zones[0].ID // nesting
	m.Zones[2].Parent = m.Zones[1].ID
	return m
}

// parseMermaid runs the real mermaid package's parse over each source
// (web/ui/scripts/mermaid-parse.mjs under Node, with happy-dom).
func parseMermaid(t *testing.T, sources []string) []struct {
	OK    bool   `json:"ok"`
	Type  string `json:"type"`
	Error string `json:"error"`
} {
	t.Helper()
	in, _ := json.Marshal(sources) // strings always marshal
	cmd := exec.Command("node", "scripts/mermaid-parse.mjs")
	cmd.Dir = filepath.Join("..", "web", "ui")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node mermaid-parse.mjs (run `npm ci` in web/ui first): %v\n%s", err, stderr.String())
	}
	var res []struct {
		OK    bool   `json:"ok"`
		Type  string `json:"type"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(sources) {
		t.Fatalf("mermaid-parse.mjs answered %q: %v", out, err)
	}
	return res
}

func TestMermaidParses(t *testing.T) {
	m := hostileMap()
	src := Mermaid(m)
	if !strings.HasPrefix(src, "flowchart LR\n") {
		t.Fatalf("not a flowchart:\n%s", src)
	}
	if Mermaid(m) != src {
		t.Fatal("two exports of the same map differ")
	}
	for _, bad := range []string{"<script", "<b>", `"hi"`, "[primary]", "\r", "🚀"} {
		if strings.Contains(src, bad) {
			t.Errorf("export holds %q unescaped", bad)
		}
	}
	if !strings.Contains(src, "ünïcödé 数据库 #128640; emoji") {
		t.Errorf("unicode letters should pass and the emoji be an entity:\n%s", src)
	}
	// The control: the same labels written raw must not parse, or this
	// test could not tell escaping from luck.
	raw := "flowchart LR\n  a[\"" + `x"]] y` + "\"] --> b\n"
	res := parseMermaid(t, []string{src, Mermaid(Map{}), raw})
	if !res[0].OK || res[0].Type != "flowchart-v2" {
		t.Fatalf("mermaid rejects the export: %s\n%s", res[0].Error, src)
	}
	if !res[1].OK {
		t.Errorf("mermaid rejects the empty map: %s", res[1].Error)
	}
	if res[2].OK {
		t.Error("mermaid parsed raw hostile labels: the control is broken")
	}
}

func TestMermaidIDsAreStable(t *testing.T) {
	a, b := MermaidID("n", "0190aa00-0000-7000-8000-000000000001"), MermaidID("n", "0190aa00-0000-7000-8000-000000000001")
	if a != b || len(a) != 17 || strings.Trim(a[1:], "0123456789abcdef") != "" {
		t.Fatalf("MermaidID = %q, %q", a, b)
	}
	if MermaidID("n", "x") == MermaidID("n", "y") {
		t.Fatal("different ids share a Mermaid id")
	}
}

func TestTemplatesParse(t *testing.T) {
	var sources []string
	for _, tpl := range Templates {
		sources = append(sources, tpl.Source)
	}
	for i, r := range parseMermaid(t, sources) {
		if !r.OK {
			t.Errorf("template %s: %s", Templates[i].ID, r.Error)
		}
	}
	if len(Templates) < 4 {
		t.Errorf("%d templates shipped", len(Templates))
	}
}
