package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// aptOffers reads apt's downloaded package lists
// (/var/lib/apt/lists/*_Packages, as `apt update` leaves them). A list
// whose suite ends in -security (Debian's security archive, Ubuntu's
// security pocket) offers security updates.
func aptOffers(src Source) ([]offer, error) {
	files, err := filepath.Glob(src.path("/var/lib/apt/lists/*_Packages"))
	if err != nil {
		return nil, err
	}
	var out []offer
	var errs []string
	for _, f := range files {
		base := filepath.Base(f)
		security := strings.Contains(base, "-security_") || strings.Contains(base, "_updates_security_")
		var name, version, arch string
		flush := func() {
			if name != "" && version != "" {
				out = append(out, offer{name: name, arch: arch, version: version, repo: strings.TrimSuffix(base, "_Packages"), security: security})
			}
			name, version, arch = "", "", ""
		}
		err := readLines(f, func(line string) {
			if line == "" {
				flush()
				return
			}
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				return
			}
			switch k {
			case "Package":
				name = v
			case "Version":
				version = v
			case "Architecture":
				arch = v
			}
		})
		flush()
		if err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Sprintf("%s: %v", base, err))
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("read apt lists: %s", strings.Join(errs, "; "))
	}
	return out, nil
}
