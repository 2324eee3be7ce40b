package topology

import (
	"reflect"
	"strings"
	"testing"

	"github.com/monsys/monsys/wire"
)

// blastFleet: web-1 (the compromised host) talks to db-1 on postgres
// (detected); web-1 and bastion authorize one deploy key, and deploy is
// root on bastion without a password; bastion reaches cache-1 on ssh (a
// drawn edge). cache-1 and lonely-1 hold keys and sudo rules of their
// own that match nothing, and db-1's NOPASSWD rule is for a user nobody
// arrives as.
func blastFleet() *Graph {
	deploy := wire.SSHKey{User: "deploy", Type: "ssh-ed25519", Fingerprint: "SHA256:shared", File: "/home/deploy/.ssh/authorized_keys"}
	return NewGraph([]HostFacts{
		{ID: "a-web", Name: "web-1", Keys: []wire.SSHKey{deploy, {User: "alice", Fingerprint: "SHA256:alice"}}},
		{ID: "a-db", Name: "db-1", Sudo: []wire.SudoRule{{Principal: "postgres", Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers.d/pg:1"}}},
		{ID: "a-bastion", Name: "bastion", Keys: []wire.SSHKey{deploy},
			Sudo: []wire.SudoRule{{Principal: "deploy", Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers.d/deploy:1"}}},
		{ID: "a-cache", Name: "cache-1", Keys: []wire.SSHKey{{User: "ops", Fingerprint: "SHA256:ops"}},
			Sudo: []wire.SudoRule{{Principal: "%ops", Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers:30"}}},
		{ID: "a-lonely", Name: "lonely-1", Keys: []wire.SSHKey{{User: "bob", Fingerprint: "SHA256:bob"}}},
	}, []AgentLink{
		{From: "a-web", To: "a-db", Label: "web-1 → db-1:5432 (postgres), detected"},
		{From: "a-bastion", To: "a-cache", Label: "bastion → cache-1:22 (ssh)"},
	})
}

func TestBlastRadius(t *testing.T) {
	g := blastFleet()
	keyHop := Hop{From: "a-web", FromName: "web-1", To: "a-bastion", ToName: "bastion", Score: 0.95, Evidence: []Evidence{
		{Kind: EvidenceSharedKey, Weight: 0.9, Detail: "key SHA256:shared is authorized for deploy on web-1 and for deploy on bastion"},
		{Kind: EvidenceNoPasswdSudo, Weight: 0.5, Detail: "deploy may run ALL as root on bastion without a password (/etc/sudoers.d/deploy:1)"},
	}}
	dbHop := Hop{From: "a-web", FromName: "web-1", To: "a-db", ToName: "db-1", Score: 0.6, Evidence: []Evidence{
		{Kind: EvidenceConnectsTo, Weight: 0.6, Detail: "web-1 → db-1:5432 (postgres), detected"}}}
	cacheHop := Hop{From: "a-bastion", FromName: "bastion", To: "a-cache", ToName: "cache-1", Score: 0.6, Evidence: []Evidence{
		{Kind: EvidenceConnectsTo, Weight: 0.6, Detail: "bastion → cache-1:22 (ssh)"}}}
	cases := []struct {
		depth int
		want  []Reach
	}{
		{1, []Reach{
			{Agent: "a-bastion", Name: "bastion", Score: 0.95, Depth: 1, Path: []Hop{keyHop}},
			{Agent: "a-db", Name: "db-1", Score: 0.6, Depth: 1, Path: []Hop{dbHop}},
		}},
		{2, []Reach{
			{Agent: "a-bastion", Name: "bastion", Score: 0.95, Depth: 1, Path: []Hop{keyHop}},
			{Agent: "a-db", Name: "db-1", Score: 0.6, Depth: 1, Path: []Hop{dbHop}},
			{Agent: "a-cache", Name: "cache-1", Score: 0.57, Depth: 2, Path: []Hop{keyHop, cacheHop}},
		}},
	}
	for _, tc := range cases {
		got, ok := g.BlastRadius("a-web", tc.depth)
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("depth %d:\ngot  %+v\nwant %+v", tc.depth, got, tc.want)
		}
	}
	// db-1 is reached from web-1 only as the other end of its connection.
	back, _ := g.BlastRadius("a-db", 1)
	if len(back) != 1 || back[0].Agent != "a-web" || back[0].Path[0].Evidence[0].Kind != EvidenceConnectedFrom || back[0].Score != 0.4 {
		t.Errorf("from db-1: %+v", back)
	}
	if _, ok := g.BlastRadius("nobody", 2); ok {
		t.Error("an unknown agent has a blast radius")
	}
	m := g.BlastMermaid("a-web", cases[1].want)
	if !strings.Contains(m, "web-1 #40;compromised#41;") || strings.Count(m, "-->") != 3 {
		t.Errorf("mermaid view:\n%s", m)
	}
	if res := parseMermaid(t, []string{m}); !res[0].OK {
		t.Errorf("mermaid rejects the blast view: %s", res[0].Error)
	}
}

// TestBlastRadiusSameUserAndGroups: a login name on two hosts is
// evidence, and a %group NOPASSWD rule applies to its members.
func TestBlastRadiusSameUserAndGroups(t *testing.T) {
	g := NewGraph([]HostFacts{
		{ID: "a", Name: "a", Users: []wire.User{{Name: "carol", UID: 1000}, {Name: "daemon", UID: 2, System: true}}},
		{ID: "b", Name: "b", Users: []wire.User{{Name: "carol", UID: 1001}, {Name: "daemon", UID: 2, System: true}},
			Groups: []wire.Group{{Name: "wheel", Members: []string{"carol"}}},
			Sudo:   []wire.SudoRule{{Principal: "%wheel", Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers:9"}}},
		{ID: "c", Name: "c", Users: []wire.User{{Name: "daemon", UID: 2, System: true}, {Name: "carol", Locked: true}}},
	}, nil)
	got, _ := g.BlastRadius("a", 3)
	if len(got) != 1 || got[0].Agent != "b" || len(got[0].Path[0].Evidence) != 2 ||
		got[0].Path[0].Evidence[0].Kind != EvidenceSameUser || got[0].Path[0].Evidence[1].Kind != EvidenceNoPasswdSudo || got[0].Score != 0.65 {
		t.Errorf("got %+v", got)
	}
}
