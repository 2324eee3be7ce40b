package grafana_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestProvisioningFitsTogether: the dashboards use the provisioned
// datasource by its uid, with the TimescaleDB option the queries are
// tested with, and link to dashboards that exist.
func TestProvisioningFitsTogether(t *testing.T) {
	ds, err := os.ReadFile("provisioning/datasources/monsys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	uid := regexp.MustCompile(`(?m)^\s+uid:\s*(\S+)\s*$`).FindSubmatch(ds)
	if uid == nil {
		t.Fatal("provisioning/datasources/monsys.yaml has no uid")
	}
	for _, want := range []string{"type: grafana-postgresql-datasource", "timescaledb: true", "database: ${MONSYS_GRAFANA_DB_NAME}",
		"password: ${MONSYS_GRAFANA_DB_PASSWORD}"} {
		if !strings.Contains(string(ds), want) {
			t.Errorf("provisioning/datasources/monsys.yaml lacks %q", want)
		}
	}
	dashboards := loadDashboards(t)
	uids := map[string]bool{}
	for file, d := range dashboards {
		if d.UID == "" || uids[d.UID] {
			t.Errorf("%s: uid %q empty or not unique", file, d.UID)
		}
		uids[d.UID] = true
		if len(d.Sources) == 0 {
			t.Errorf("%s: no datasource references", file)
		}
		for _, s := range d.Sources {
			if s.UID != string(uid[1]) {
				t.Errorf("%s: %s uses datasource %q, want the provisioned %q", file, s.Where, s.UID, uid[1])
			}
		}
	}
	for file := range dashboards {
		data, err := os.ReadFile("dashboards/" + file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`/d/([\w-]+)/`).FindAllStringSubmatch(string(data), -1) {
			if !uids[m[1]] {
				t.Errorf("%s links to dashboard %q, which is not provisioned", file, m[1])
			}
		}
	}
}
