package inventory

import (
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// rpmRepoGlobs are where dnf (4 and 5) and yum keep each repository's
// downloaded metadata.
var rpmRepoGlobs = []string{
	"/var/cache/dnf/*/repodata/",
	"/var/cache/libdnf5/*/repodata/",
	"/var/cache/yum/*/*/*/",
	"/var/cache/yum/*/*/*/repodata/",
}

// rpmRepoOffers reads each repository's primary.xml.gz (the packages it
// offers) and updateinfo.xml.gz (which versions fix security advisories).
// Metadata compressed otherwise (zstd, sqlite) is not read.
func rpmRepoOffers(src Source) ([]offer, error) {
	var out []offer
	var errs []error
	for _, g := range rpmRepoGlobs {
		dirs, _ := filepath.Glob(src.path(g)) // patterns are constant, so never malformed
		for _, dir := range dirs {
			repo := repoName(dir)
			for _, kind := range []string{"primary", "updateinfo"} {
				files, _ := filepath.Glob(filepath.Join(dir, "*"+kind+".xml.gz"))
				for _, f := range files {
					o, err := readRepoXML(f, kind, repo)
					out = append(out, o...)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", f, err))
					}
				}
			}
		}
	}
	return out, errors.Join(errs...)
}

// repoName is the repository id of a metadata directory: dnf names it
// <id>-<hash>.
func repoName(dir string) string {
	d := strings.TrimSuffix(filepath.Clean(dir), "/repodata")
	name := filepath.Base(d)
	if i := strings.LastIndexByte(name, '-'); i > 0 && len(name)-i == 17 {
		name = name[:i]
	}
	return name
}

type rpmEVR struct {
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
}

// evr formats a version as the agent's rpm inventory does: no zero epoch.
func evr(epoch, ver, rel string) string {
	v := ver
	if rel != "" {
		v += "-" + rel
	}
	if epoch != "" && epoch != "0" {
		v = epoch + ":" + v
	}
	return v
}

func readRepoXML(path, kind, repo string) ([]offer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(io.LimitReader(gz, 2<<30))
	var out []offer
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case kind == "primary" && se.Name.Local == "package":
			var p struct {
				Name    string `xml:"name"`
				Arch    string `xml:"arch"`
				Version rpmEVR `xml:"version"`
			}
			if err := dec.DecodeElement(&p, &se); err != nil {
				return out, err
			}
			if p.Arch != "src" {
				out = append(out, offer{name: p.Name, arch: p.Arch, version: evr(p.Version.Epoch, p.Version.Ver, p.Version.Rel), repo: repo})
			}
		case kind == "updateinfo" && se.Name.Local == "update":
			var u struct {
				Type     string `xml:"type,attr"`
				Packages []struct {
					Name    string `xml:"name,attr"`
					Arch    string `xml:"arch,attr"`
					Epoch   string `xml:"epoch,attr"`
					Version string `xml:"version,attr"`
					Release string `xml:"release,attr"`
				} `xml:"pkglist>collection>package"`
			}
			if err := dec.DecodeElement(&u, &se); err != nil {
				return out, err
			}
			if u.Type != "security" {
				continue
			}
			for _, p := range u.Packages {
				out = append(out, offer{name: p.Name, arch: p.Arch, version: evr(p.Epoch, p.Version, p.Release), repo: repo,
					security: true, advisory: true})
			}
		}
	}
}
