package inventory

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// apkOffers reads apk's repository indexes as `apk update` caches them
// (/var/cache/apk/APKINDEX.*.tar.gz). Alpine's repositories have no
// separate security suite, so no offer is marked as security.
func apkOffers(src Source) ([]offer, error) {
	files, err := filepath.Glob(src.path("/var/cache/apk/APKINDEX.*.tar.gz"))
	if err != nil {
		return nil, err
	}
	var out []offer
	var errs []error
	for _, f := range files {
		o, err := readAPKIndex(f)
		out = append(out, o...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Base(f), err))
		}
	}
	return out, errors.Join(errs...)
}

func readAPKIndex(path string) ([]offer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	// The index is a signature archive and the index archive concatenated:
	// read every gzip member as one tar stream.
	tr := tar.NewReader(gz)
	repo := strings.TrimSuffix(filepath.Base(path), ".tar.gz")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("no APKINDEX in the archive")
		}
		if err != nil {
			return nil, err
		}
		if h.Name != "APKINDEX" {
			continue
		}
		var out []offer
		var cur offer
		sc := bufio.NewScanner(io.LimitReader(tr, 256<<20))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				if cur.name != "" && cur.version != "" {
					cur.repo = repo
					out = append(out, cur)
				}
				cur = offer{}
				continue
			}
			if len(line) < 2 || line[1] != ':' {
				continue
			}
			switch line[0] {
			case 'P':
				cur.name = line[2:]
			case 'V':
				cur.version = line[2:]
			case 'A':
				cur.arch = line[2:]
			}
		}
		if cur.name != "" && cur.version != "" {
			cur.repo = repo
			out = append(out, cur)
		}
		return out, sc.Err()
	}
}
