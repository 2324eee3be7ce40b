package collect

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userNames maps uids to names from <etc>/passwd, re-read when the file
// changes.
type userNames struct {
	path  string
	mtime time.Time
	names map[int]string
}

func newUserNames(etc string) *userNames {
	return &userNames{path: filepath.Join(etc, "passwd"), names: map[int]string{}}
}

func (u *userNames) name(uid int) string {
	if uid < 0 {
		return ""
	}
	if st, err := os.Stat(u.path); err == nil && !st.ModTime().Equal(u.mtime) {
		u.mtime = st.ModTime()
		u.load()
	}
	if n, ok := u.names[uid]; ok {
		return n
	}
	return strconv.Itoa(uid)
}

func (u *userNames) load() {
	f, err := os.Open(u.path)
	if err != nil {
		return // names stay numeric
	}
	defer f.Close() // read-only
	clear(u.names)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 4)
		if len(parts) < 3 {
			continue
		}
		if uid, err := strconv.Atoi(parts[2]); err == nil {
			u.names[uid] = parts[0]
		}
	}
}

// realUID reads the real uid from a /proc/<pid>/status file, -1 when
// it cannot.
func realUID(statusPath string) int {
	uid := -1
	_ = readStatusField(statusPath, "Uid:", func(v string) { // unreadable: no user name
		if f := strings.Fields(v); len(f) > 0 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				uid = n
			}
		}
	})
	return uid
}

func readStatusField(path, key string, fn func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() // read-only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			fn(v)
			return nil
		}
	}
	return sc.Err()
}
