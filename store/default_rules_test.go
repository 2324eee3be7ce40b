package store_test

import (
	"context"
	"testing"

	"github.com/monsys/monsys/store"
)

// TestDefaultRulesOffer: tenants that existed before the default rules
// (offered by migration 0012) get them at the next start unless the
// operator declined; either way the offer is settled once.
func TestDefaultRulesOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, declined := f.tenant(t, "old"), f.tenant(t, "declined")
	rules := func(slug string) int {
		return f.count(t, `SELECT count(*) FROM alert_rules r JOIN tenants t ON t.id = r.tenant_id WHERE t.slug = $1 AND r.builtin <> ''`, slug)
	}
	if n := rules("old"); n != len(store.DefaultAlertRules()) {
		t.Fatalf("a new tenant has %d default rules, want %d", n, len(store.DefaultAlertRules()))
	}
	// Both as they were before migration 0012: no rules, offered.
	for _, id := range []any{old.Tenant.ID, declined.Tenant.ID} {
		f.exec(t, `DELETE FROM alert_rules WHERE tenant_id = $1`, id)
		f.exec(t, `UPDATE tenants SET default_rules_offered = true WHERE id = $1`, id)
	}
	f.exec(t, `UPDATE tenants SET default_rules_offered = false WHERE id = $1`, old.Tenant.ID)
	n, err := f.st.SettleDefaultRulesOffer(ctx, false)
	if err != nil || n != 1 || rules("declined") != 0 {
		t.Fatalf("declining: settled %d (%v), %d rules; want 1 tenant settled, no rules", n, err, rules("declined"))
	}
	f.exec(t, `UPDATE tenants SET default_rules_offered = true WHERE id = $1`, old.Tenant.ID)
	n, err = f.st.SettleDefaultRulesOffer(ctx, true)
	if err != nil || n != 1 || rules("old") != len(store.DefaultAlertRules()) || rules("declined") != 0 {
		t.Fatalf("installing: settled %d (%v); old has %d rules, declined %d; want %d and 0", n, err, rules("old"), rules("declined"), len(store.DefaultAlertRules()))
	}
	if n, err := f.st.SettleDefaultRulesOffer(ctx, true); err != nil || n != 0 {
		t.Errorf("a second start settled %d tenants (%v), want none", n, err)
	}
}
