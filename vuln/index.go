package vuln

import (
	"slices"

	"github.com/monsys/monsys/pkgversion"
)

// Index is the imported data of one generation, arranged for matching:
// records by position, and their affected entries by ecosystem and
// package name. It is read-only once built and shared by every match.
type Index struct {
	Generation int64
	records    []indexRecord
	byEco      map[string]map[string][]entry
}

type indexRecord struct {
	ID, CVE, Severity string
	Score             *float64
}

type entry struct {
	rec      int32
	ranges   [][]Event // sorted by the ecosystem's version order when the index is built
	versions []string
}

// NewIndex arranges records for matching. Withdrawn records match nothing.
func NewIndex(generation int64, records []Record) *Index {
	ix := &Index{Generation: generation, byEco: map[string]map[string][]entry{}}
	for _, r := range records {
		if r.Withdrawn || len(r.Affected) == 0 {
			continue
		}
		pos := int32(len(ix.records))
		ix.records = append(ix.records, indexRecord{ID: r.ID, CVE: r.CVE, Severity: r.Severity, Score: r.CVSSScore})
		for _, a := range r.Affected {
			sys := systemOfEcosystem(a.Ecosystem)
			e := entry{rec: pos, versions: a.Versions}
			for _, rg := range a.Ranges {
				sorted := slices.Clone(rg)
				slices.SortStableFunc(sorted, func(x, y Event) int { return sys.Compare(eventVersion(x), eventVersion(y)) })
				// "0" is before every version, whatever the ecosystem's rules.
				slices.SortStableFunc(sorted, func(x, y Event) int { return boolCmp(x.Introduced == "0", y.Introduced == "0") })
				e.ranges = append(e.ranges, sorted)
			}
			pkgs := ix.byEco[a.Ecosystem]
			if pkgs == nil {
				pkgs = map[string][]entry{}
				ix.byEco[a.Ecosystem] = pkgs
			}
			pkgs[a.Package] = append(pkgs[a.Package], e)
		}
	}
	return ix
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

func eventVersion(e Event) string {
	switch {
	case e.Introduced != "":
		return e.Introduced
	case e.Fixed != "":
		return e.Fixed
	case e.LastAffected != "":
		return e.LastAffected
	}
	return e.Limit
}

// systemOfEcosystem is the version order of an OSV ecosystem.
func systemOfEcosystem(eco string) pkgversion.System {
	switch {
	case hasFamily(eco, "Alpine"):
		return pkgversion.Apk
	case hasFamily(eco, "Rocky Linux"), hasFamily(eco, "AlmaLinux"), hasFamily(eco, "Red Hat"),
		hasFamily(eco, "SUSE"), hasFamily(eco, "openSUSE"), hasFamily(eco, "Mageia"):
		return pkgversion.RPM
	}
	return pkgversion.Dpkg
}

func hasFamily(eco, family string) bool {
	return eco == family || (len(eco) > len(family) && eco[:len(family)] == family && eco[len(family)] == ':')
}

// Records is how many records the index holds.
func (ix *Index) Records() int { return len(ix.records) }

// Package is one installed package of an agent.
type Package struct {
	Name, Version, Arch string
	Source              string // the source package (dpkg Source:, apk origin); "" when it is the name
}

// Finding is one installed package affected by one CVE.
type Finding struct {
	CVE, RecordID         string
	Package, Arch, Source string
	Installed, Fixed      string // Fixed is "" when no fix is known
	Severity              string
	Score                 *float64
}

// Match answers the findings of a host's packages. For each record and
// package, the release's entries decide when the record has any; the
// release-less family entries decide only otherwise, so a fix a
// distribution backported into its release is never reported as missing.
func (ix *Index) Match(t Target, pkgs []Package) []Finding {
	var releases []map[string][]entry
	for eco, m := range ix.byEco {
		if t.IsRelease(eco) {
			releases = append(releases, m)
		}
	}
	family := ix.byEco[t.Family]
	var out []Finding
	seen := map[string]bool{} // CVEs reported for the package
	release, fromFamily := map[int32][]entry{}, map[int32][]entry{}
	var recs []int32
	for _, p := range pkgs {
		clear(release)
		clear(fromFamily)
		clear(seen)
		names := []string{p.Name}
		if p.Source != "" && p.Source != p.Name {
			names = []string{p.Source, p.Name}
		}
		for _, n := range names {
			for _, m := range releases {
				for _, e := range m[n] {
					release[e.rec] = append(release[e.rec], e)
				}
			}
			for _, e := range family[n] {
				fromFamily[e.rec] = append(fromFamily[e.rec], e)
			}
		}
		for rec, entries := range fromFamily {
			if _, ok := release[rec]; !ok {
				release[rec] = entries
			}
		}
		recs = recs[:0]
		for rec := range release {
			recs = append(recs, rec)
		}
		slices.Sort(recs) // the first record of a CVE wins, the same one every time
		for _, rec := range recs {
			entries := release[rec]
			affected, fixed := false, ""
			for _, e := range entries {
				if a, f := e.affects(t.System, p.Version); a {
					affected = true
					if fixed == "" || (f != "" && t.System.Compare(f, fixed) < 0) {
						fixed = f
					}
				}
			}
			r := ix.records[rec]
			if !affected || seen[r.CVE] {
				continue
			}
			seen[r.CVE] = true
			out = append(out, Finding{CVE: r.CVE, RecordID: r.ID, Package: p.Name, Arch: p.Arch, Source: p.Source,
				Installed: p.Version, Fixed: fixed, Severity: r.Severity, Score: r.Score})
		}
	}
	return out
}

// affects evaluates OSV's rules for one installed version: listed
// versions, then each range on its own (introduced opens, fixed and
// limit close at the version, last_affected closes after it). fixed is
// the fix the affected range names, "" when it names none.
func (e entry) affects(sys pkgversion.System, v string) (bool, string) {
	if slices.Contains(e.versions, v) {
		return true, ""
	}
	for _, rg := range e.ranges {
		affected, fixed := false, ""
		for _, ev := range rg {
			switch {
			case ev.Introduced != "":
				if ev.Introduced == "0" || sys.Compare(v, ev.Introduced) >= 0 {
					affected = true
				}
			case ev.Fixed != "":
				if sys.Compare(v, ev.Fixed) >= 0 {
					affected = false
				} else if affected && fixed == "" {
					fixed = ev.Fixed
				}
			case ev.LastAffected != "":
				if sys.Compare(v, ev.LastAffected) > 0 {
					affected = false
				}
			case ev.Limit != "":
				if sys.Compare(v, ev.Limit) >= 0 {
					affected = false
				}
			}
		}
		if affected {
			return true, fixed
		}
	}
	return false, ""
}
