package auth

import "testing"

func TestRoleOrder(t *testing.T) {
	all := AllRoles()
	for i, r := range all {
		for j, min := range all {
			if want := i <= j; r.AtLeast(min) != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", r, min, !want, want)
			}
		}
	}
	if Role("root").AtLeast(RoleViewer) || RoleViewer.AtLeast(Role("")) {
		t.Error("an unknown role must include nothing and be included by nothing")
	}
	if _, err := ParseRole("superuser"); err == nil {
		t.Error("ParseRole accepted an unknown role")
	}
}
