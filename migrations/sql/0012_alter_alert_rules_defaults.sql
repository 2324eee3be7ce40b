-- Rules out of the box (store/default_rules.go, README "Default rules").
--
-- predict_s: when above zero the rule's value is each series' linear fit
-- over the window, extrapolated predict_s past now (agg predict_linear,
-- as Prometheus' predict_linear and Netdata do for "disk full in 24 h").
ALTER TABLE alert_rules ADD COLUMN predict_s integer NOT NULL DEFAULT 0 CHECK (predict_s BETWEEN 0 AND 2592000);
-- builtin names the default rule a row was installed from ('' for a rule a
-- person wrote): installing the defaults again adds only the missing ones.
ALTER TABLE alert_rules ADD COLUMN builtin text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX alert_rules_builtin ON alert_rules (tenant_id, builtin) WHERE builtin <> '';

-- Existing tenants are offered the defaults: the hub installs them at its
-- next start unless the operator declines with
-- MONSYS_DEFAULT_RULES_EXISTING=decline (then the offer is withdrawn and
-- POST /api/v1/alert-rules/defaults installs them later, per tenant).
-- New tenants get them when they are created.
ALTER TABLE tenants ADD COLUMN default_rules_offered boolean NOT NULL DEFAULT false;
UPDATE tenants SET default_rules_offered = true;
