package audit_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
)

// BenchmarkRecord appends to one tenant's chain, each append in its own
// transaction (the lock, head read and insert are three round trips).
func BenchmarkRecord(b *testing.B) {
	pool := db.New(b)
	tenant := uuid.NewString()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := audit.Record(ctx, pool, event(tenant, "login_succeeded", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify recomputes a chain of 10 000 rows.
func BenchmarkVerify(b *testing.B) {
	pool := db.New(b)
	tenant := uuid.NewString()
	ctx := context.Background()
	const rows = 10000
	for i := range rows {
		if err := audit.Record(ctx, pool, event(tenant, "api_key_created", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := audit.Verify(ctx, pool, tenant)
		if err != nil || !rep.OK || rep.Checked != rows {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
