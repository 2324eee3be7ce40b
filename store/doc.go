// Package store keeps monsys's relational data in PostgreSQL: tenants,
// users, memberships, sessions, API keys, enrollment tokens, agents and
// integrity anomalies.
//
// Every method that reads or writes a tenant's rows takes the tenant id and
// filters by it, so a caller holding another tenant's id sees ErrNotFound,
// never the row. Secrets arrive already hashed (auth.TokenHash); store never
// sees a plaintext token. SQL lives as constants beside the method that runs
// it. A Store is safe for concurrent use; it borrows the pool it is given
// and does not close it.
package store
