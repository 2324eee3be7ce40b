package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/vuln"
)

// osvTestdata is vuln's OSV subset written from public records.
const osvTestdata = "../vuln/testdata/osv"

// importOSV imports the OSV subset (again: an unchanged record is skipped).
func (e *env) importOSV() {
	e.t.Helper()
	if _, err := e.vulns.Import(context.Background(), osvTestdata); err != nil {
		e.t.Fatal(err)
	}
}

// cveException makes an exception in the tenant, as an admin would.
func (e *env) cveException(tenantID uuid.UUID) uuid.UUID {
	e.t.Helper()
	ex, err := e.vulns.CreateException(context.Background(), tenantID, vuln.Exception{CVE: "CVE-2023-38545", Reason: "test",
		ExpiresAt: time.Now().Add(time.Hour)}, audit.Event{TenantID: tenantID.String(), ActorType: audit.ActorSystem})
	if err != nil {
		e.t.Fatal(err)
	}
	return ex.ID
}
