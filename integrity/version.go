package integrity

import (
	"strconv"
	"strings"
)

// lowerVersion says whether semantic version a is lower than b. A version
// that does not parse is never lower (an unreleased build says "dev").
func lowerVersion(a, b string) bool {
	va, okA := parseVersion(a)
	vb, okB := parseVersion(b)
	if !okA || !okB {
		return false
	}
	for i := range 3 {
		if va.nums[i] != vb.nums[i] {
			return va.nums[i] < vb.nums[i]
		}
	}
	// 1.2.0-rc.1 < 1.2.0; pre-releases compare as strings otherwise.
	switch {
	case va.pre == vb.pre:
		return false
	case va.pre == "":
		return false
	case vb.pre == "":
		return true
	}
	return va.pre < vb.pre
}

type version struct {
	nums [3]int
	pre  string
}

func parseVersion(s string) (version, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "+")
	core, pre, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return version{}, false
	}
	var v version
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return version{}, false
		}
		v.nums[i] = n
	}
	v.pre = pre
	return v, true
}
