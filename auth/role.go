package auth

import "fmt"

// Role is a person's (or API key's) standing in one tenant. Roles are
// ordered: each includes everything the ones below it may do.
type Role string

// The four roles, highest first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// AllRoles lists every role, highest first.
func AllRoles() []Role { return []Role{RoleOwner, RoleAdmin, RoleMember, RoleViewer} }

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r includes min. Unknown roles include nothing
// and are included by nothing, so a route that forgot its role denies all.
func (r Role) AtLeast(min Role) bool {
	return r.rank() > 0 && min.rank() > 0 && r.rank() >= min.rank()
}

// ParseRole accepts one of the four role names.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.rank() == 0 {
		return "", fmt.Errorf("unknown role %q: want owner, admin, member or viewer", s)
	}
	return r, nil
}
