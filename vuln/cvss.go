package vuln

import (
	"fmt"
	"math"
	"strings"
)

// cvss3Weights are the metric values of the CVSS v3.1 specification
// (section 7.4); PR has a second set under a changed scope.
var cvss3Weights = map[string]map[string]float64{
	"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
	"AC": {"L": 0.77, "H": 0.44},
	"PR": {"N": 0.85, "L": 0.62, "H": 0.27},
	"UI": {"N": 0.85, "R": 0.62},
	"C":  {"H": 0.56, "L": 0.22, "N": 0},
	"I":  {"H": 0.56, "L": 0.22, "N": 0},
	"A":  {"H": 0.56, "L": 0.22, "N": 0},
}

var cvss3PRChanged = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}

// CVSS3Score computes the base score of a CVSS v3.0 or v3.1 vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" is 9.8) with the
// specification's formulas and its Roundup. Temporal and environmental
// metrics in the vector are ignored: the base score is what feeds publish.
func CVSS3Score(vector string) (float64, error) {
	parts := strings.Split(vector, "/")
	if len(parts) < 9 || (parts[0] != "CVSS:3.0" && parts[0] != "CVSS:3.1") {
		return 0, fmt.Errorf("cvss vector %q: not CVSS v3", vector)
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return 0, fmt.Errorf("cvss vector %q: metric %q has no value", vector, p)
		}
		if _, dup := m[k]; dup {
			return 0, fmt.Errorf("cvss vector %q: metric %s twice", vector, k)
		}
		m[k] = v
	}
	scope := m["S"]
	if scope != "U" && scope != "C" {
		return 0, fmt.Errorf("cvss vector %q: scope must be U or C", vector)
	}
	w := map[string]float64{}
	for k, values := range cvss3Weights {
		v, ok := values[m[k]]
		if !ok {
			return 0, fmt.Errorf("cvss vector %q: %s:%s is not a base metric value", vector, k, m[k])
		}
		w[k] = v
	}
	if scope == "C" {
		w["PR"] = cvss3PRChanged[m["PR"]]
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	var impact float64
	if scope == "U" {
		impact = 6.42 * iss
	} else {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	exploitability := 8.22 * w["AV"] * w["AC"] * w["PR"] * w["UI"]
	if impact <= 0 {
		return 0, nil
	}
	if scope == "U" {
		return roundUp(math.Min(impact+exploitability, 10)), nil
	}
	return roundUp(math.Min(1.08*(impact+exploitability), 10)), nil
}

// roundUp is CVSS v3.1's Roundup: the smallest number of one decimal
// place not below x, computed on integers to avoid float artefacts.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// Severity levels of a finding, most severe first.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityUnknown  = "unknown"
)

// SeverityRank orders levels: 4 critical … 0 unknown.
func SeverityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// ValidSeverity says whether s names a level.
func ValidSeverity(s string) bool {
	return s == SeverityUnknown || SeverityRank(s) > 0
}

// severityOfScore is CVSS's qualitative rating of a base score.
func severityOfScore(score float64) string {
	switch {
	case score >= 9:
		return SeverityCritical
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityMedium
	}
	return SeverityLow
}

// severityOfWord maps the words feeds use (GitHub's MODERATE, Ubuntu's
// negligible, Debian's urgencies) to a level.
func severityOfWord(w string) string {
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "critical":
		return SeverityCritical
	case "high", "important":
		return SeverityHigh
	case "medium", "moderate":
		return SeverityMedium
	case "low", "negligible", "unimportant":
		return SeverityLow
	}
	return SeverityUnknown
}
