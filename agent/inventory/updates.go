package inventory

import (
	"context"
	"errors"
	"sort"

	"github.com/monsys/monsys/pkgversion"
	"github.com/monsys/monsys/wire"
)

// offer is one version of a package that a configured repository offers.
type offer struct {
	name, arch, version, repo string
	security                  bool
	// advisory marks an offer read from security advisories (updateinfo):
	// it says a newer version is a security fix, not that it is offered.
	advisory bool
}

// collectUpdates compares the installed packages with what the package
// managers' own metadata offers: apt's lists, apk's indexes, dnf's and
// yum's repodata. It reads files only; it never refreshes metadata or
// upgrades anything, so it is as fresh as the host's last apt update, dnf
// makecache or apk update.
func collectUpdates(ctx context.Context, src Source) (any, error) {
	pkgs, err := collectPackages(ctx, src)
	installed, _ := pkgs.([]wire.Package)
	if len(installed) == 0 {
		return []wire.Update{}, err
	}
	managers := map[string]bool{}
	for _, p := range installed {
		managers[p.Manager] = true
	}
	var offers []offer
	errs := []error{err}
	for _, m := range []struct {
		manager string
		read    func(Source) ([]offer, error)
	}{{"dpkg", aptOffers}, {"apk", apkOffers}, {"rpm", rpmRepoOffers}} {
		if managers[m.manager] {
			o, err := m.read(src)
			offers = append(offers, o...)
			errs = append(errs, err)
		}
	}
	return pendingUpdates(installed, offers), errors.Join(errs...)
}

// archMatches says whether a repository's package arch can replace an
// installed one.
func archMatches(installed, offered string) bool {
	return offered == "" || installed == "" || offered == installed || offered == "all" || offered == "noarch"
}

// pendingUpdates answers, for every installed package that some offer has
// in a newer version, the newest one and whether a security source offers
// a newer version than the installed one.
func pendingUpdates(installed []wire.Package, offers []offer) []wire.Update {
	byName := map[string][]offer{}
	for _, o := range offers {
		byName[o.name] = append(byName[o.name], o)
	}
	out := []wire.Update{}
	for _, p := range installed {
		sys := pkgversion.System(p.Manager)
		var best *offer
		security := false
		for i, o := range byName[p.Name] {
			if !archMatches(p.Arch, o.arch) || sys.Compare(o.version, p.Version) <= 0 {
				continue
			}
			if o.security {
				security = true
			}
			if !o.advisory && (best == nil || sys.Compare(o.version, best.version) > 0) {
				best = &byName[p.Name][i]
			}
		}
		if best == nil {
			continue
		}
		out = append(out, wire.Update{Name: p.Name, Arch: p.Arch, Installed: p.Version, Available: best.version,
			Security: security, Repository: best.repo, Manager: p.Manager})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Arch < out[j].Arch
	})
	return out
}
