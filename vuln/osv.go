package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/monsys/monsys/textcheck"
)

// Record is one OSV vulnerability record as monsys keeps it.
type Record struct {
	ID         string
	Modified   time.Time
	Published  *time.Time
	CVE        string // the CVE it is about: the id, or its first CVE alias
	Summary    string
	Severity   string
	CVSSScore  *float64
	CVSSVector string
	Aliases    []string
	Withdrawn  bool
	Affected   []Affected
}

// Affected is one package of a record in one ecosystem.
type Affected struct {
	Ecosystem string    // "Debian:12", "Alpine:v3.19", "Rocky Linux:9" …
	Package   string    // the package name as the ecosystem spells it (Debian: source package)
	Ranges    [][]Event // ECOSYSTEM ranges, each its events in the record's order
	Versions  []string
}

// Event is one OSV range event: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvRecord struct {
	ID               string        `json:"id"`
	Modified         string        `json:"modified"`
	Published        string        `json:"published"`
	Withdrawn        string        `json:"withdrawn"`
	Aliases          []string      `json:"aliases"`
	Upstream         []string      `json:"upstream"`
	Summary          string        `json:"summary"`
	Details          string        `json:"details"`
	Severity         []osvSeverity `json:"severity"`
	DatabaseSpecific struct {
		Severity any `json:"severity"`
	} `json:"database_specific"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string  `json:"type"`
			Events []Event `json:"events"`
		} `json:"ranges"`
		Versions          []string      `json:"versions"`
		Severity          []osvSeverity `json:"severity"`
		EcosystemSpecific struct {
			Urgency any `json:"urgency"`
		} `json:"ecosystem_specific"`
	} `json:"affected"`
}

// Limits on a record's parts: an export is data from outside the hub.
const (
	maxIDLen      = 200
	maxSummaryLen = 500
	maxNameLen    = 300
	maxVersionLen = 300
)

// ErrInvalidRecord wraps every reason a record is refused.
var ErrInvalidRecord = errors.New("invalid OSV record")

// DecodeRecord parses and checks one OSV JSON record.
func DecodeRecord(data []byte) (Record, error) {
	if bad := textcheck.JSON(data, ""); bad != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalidRecord, bad)
	}
	var raw osvRecord
	if err := json.Unmarshal(data, &raw); err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return raw.normalize()
}

func invalid(id, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidRecord, id, fmt.Sprintf(format, args...))
}

func (raw osvRecord) normalize() (Record, error) {
	id := strings.TrimSpace(raw.ID)
	if id == "" || len(id) > maxIDLen {
		return Record{}, invalid(id, "id is empty or longer than %d", maxIDLen)
	}
	r := Record{ID: id, Aliases: raw.Aliases, Withdrawn: raw.Withdrawn != ""}
	var err error
	if r.Modified, err = time.Parse(time.RFC3339Nano, raw.Modified); err != nil {
		return Record{}, invalid(id, "modified %q is not an RFC 3339 time", raw.Modified)
	}
	if raw.Published != "" {
		p, err := time.Parse(time.RFC3339Nano, raw.Published)
		if err != nil {
			return Record{}, invalid(id, "published %q is not an RFC 3339 time", raw.Published)
		}
		r.Published = &p
	}
	r.CVE = cveOf(id, raw.Aliases, raw.Upstream)
	r.Summary = summaryOf(raw.Summary, raw.Details)
	sev := raw.Severity
	for _, a := range raw.Affected {
		name, eco := strings.TrimSpace(a.Package.Name), strings.TrimSpace(a.Package.Ecosystem)
		if name == "" || eco == "" || len(name) > maxNameLen || len(eco) > maxNameLen {
			return Record{}, invalid(id, "an affected package has no name or ecosystem")
		}
		out := Affected{Ecosystem: eco, Package: name, Versions: a.Versions}
		for _, rg := range a.Ranges {
			if rg.Type != "ECOSYSTEM" {
				continue // GIT and SEMVER ranges say nothing about a distribution's package versions
			}
			var events []Event
			for _, e := range rg.Events {
				if n := countSet(e); n != 1 {
					return Record{}, invalid(id, "a range event of %s sets %d fields, want 1", name, n)
				}
				if len(e.Introduced+e.Fixed+e.LastAffected+e.Limit) > maxVersionLen {
					return Record{}, invalid(id, "a version of %s is longer than %d", name, maxVersionLen)
				}
				events = append(events, e)
			}
			if len(events) > 0 {
				out.Ranges = append(out.Ranges, events)
			}
		}
		if len(out.Ranges) == 0 && len(out.Versions) == 0 {
			continue
		}
		r.Affected = append(r.Affected, out)
		sev = append(sev, a.Severity...)
		if u, ok := a.EcosystemSpecific.Urgency.(string); ok && r.Severity == "" {
			if s := severityOfWord(u); s != SeverityUnknown {
				r.Severity = s
			}
		}
	}
	word, _ := raw.DatabaseSpecific.Severity.(string)
	r.applySeverity(sev, word)
	return r, nil
}

func countSet(e Event) int {
	n := 0
	for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
		if s != "" {
			n++
		}
	}
	return n
}

// applySeverity takes a CVSS v3 vector's score first, then a v4 vector
// (kept, its score is not computed), then the feed's own words.
func (r *Record) applySeverity(sev []osvSeverity, word string) {
	fromWords := r.Severity
	r.Severity = ""
	for _, s := range sev {
		if s.Type == "CVSS_V3" {
			if score, err := CVSS3Score(s.Score); err == nil {
				r.CVSSScore, r.CVSSVector, r.Severity = &score, s.Score, severityOfScore(score)
				return
			}
		}
	}
	for _, s := range sev {
		switch s.Type {
		case "CVSS_V4":
			if r.CVSSVector == "" && strings.HasPrefix(s.Score, "CVSS:4.0/") {
				r.CVSSVector = s.Score
			}
		case "Ubuntu":
			if w := severityOfWord(s.Score); w != SeverityUnknown && r.Severity == "" {
				r.Severity = w
			}
		}
	}
	switch {
	case r.Severity != "":
	case severityOfWord(word) != SeverityUnknown:
		r.Severity = severityOfWord(word)
	case fromWords != "":
		r.Severity = fromWords
	default:
		r.Severity = SeverityUnknown
	}
}

// cveOf names the CVE a record is about: its id when it is one, else its
// first CVE alias or upstream id, else the id itself (GHSA-…, ALSA-…).
func cveOf(id string, lists ...[]string) string {
	if strings.HasPrefix(id, "CVE-") {
		return id
	}
	for _, l := range lists {
		for _, a := range l {
			if strings.HasPrefix(a, "CVE-") && len(a) <= maxIDLen {
				return a
			}
		}
	}
	if rest, ok := strings.CutPrefix(id, "DEBIAN-"); ok && strings.HasPrefix(rest, "CVE-") {
		return rest
	}
	return id
}

// summaryOf is the record's summary, or the first line of its details,
// cut to maxSummaryLen characters.
func summaryOf(summary, details string) string {
	s := strings.TrimSpace(summary)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(details), "\n")
	}
	if r := []rune(s); len(r) > maxSummaryLen {
		s = string(r[:maxSummaryLen-1]) + "…"
	}
	return s
}
