package client

import (
	"context"
	"testing"

	"github.com/monsys/monsys/auth"
)

// TestTogglingADefaultRuleKeepsItsDefinition: disabling and enabling the
// default prediction rule (agg predict_linear) sends its whole definition
// back, predict included, so the hub accepts it and nothing else changes.
func TestTogglingADefaultRuleKeepsItsDefinition(t *testing.T) {
	h := newHub(t)
	c := h.as(t, auth.RoleMember)
	ctx := context.Background()
	rules, err := c.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, r := range rules.Items {
		if r.Builtin == "filesystem_full_in_24h" {
			id = r.ID
		}
	}
	if id == "" {
		t.Fatalf("the tenant's rules %+v hold no filesystem_full_in_24h default", rules.Items)
	}
	off, err := c.SetRuleEnabled(ctx, id, false)
	if err != nil {
		t.Fatalf("disable the prediction rule: %v", err)
	}
	on, err := c.SetRuleEnabled(ctx, id, true)
	if err != nil {
		t.Fatalf("enable it again: %v", err)
	}
	if off.Enabled || !on.Enabled || on.Agg != "predict_linear" || on.Predict != "24h" || on.Window != "6h" || on.Builtin != "filesystem_full_in_24h" {
		t.Errorf("after disable %+v and enable %+v, want the same rule switched off and on", off, on)
	}
}
