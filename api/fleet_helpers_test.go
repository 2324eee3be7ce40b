package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
)

// firingAlert raises an agent alert on the agent straight in the database.
func (e *env) firingAlert(tenantID, agentID uuid.UUID) uuid.UUID {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7())
	e.exec(`INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state)
		VALUES ($1, $2, $3, 'agent', $4, 'warning', 'fixture', 'firing')`, id, tenantID, agentID, "fixture:"+id.String())
	return id
}

func matrixRule() alertRuleRequest {
	th := 0.9
	return alertRuleRequest{Name: "cpu high", Metric: "cpu_usage_ratio", Match: `{cpu="all"}`, Agg: "avg", Op: ">",
		Threshold: &th, Window: "5m", For: "2m", Severity: "warning", Scope: "fleet"}
}

// rule creates a fleet rule of the tenant in the store.
func (e *env) rule(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	r, err := e.st.CreateAlertRule(context.Background(), store.AlertRule{TenantID: fx.Tenant.ID, Name: "fixture",
		Metric: "cpu_usage_ratio", Agg: "avg", Op: ">", Threshold: 0.9, WindowS: 300, Severity: "warning", Scope: "fleet", Enabled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

// webhook registers an endpoint of the tenant in the store.
func (e *env) webhook(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	w, err := e.st.CreateWebhook(context.Background(), fx.Tenant.ID, "https://hooks.example.com/x", "", "whsec_dGVzdA==", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return w.ID
}
