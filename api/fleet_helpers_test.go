package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/notify"
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

// channel makes an e-mail notification channel in fx's tenant: the test
// server has no SMTP, so testing it fails at once, without the network.
func (e *env) channel(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	ch, err := e.notify.Create(context.Background(), fx.Tenant.ID, notify.Input{Name: "ops", Target: "mailto:ops@example.org",
		Enabled: true}, nil, audit.Event{TenantID: fx.Tenant.ID.String(), ActorType: audit.ActorSystem, Type: "notification_channel_created"})
	if err != nil {
		e.t.Fatal(err)
	}
	return ch.ID
}
