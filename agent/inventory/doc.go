// Package inventory collects what is on a machine, one wire kind per
// collector: host, packages (dpkg, rpm, apk), systemd units, users and
// groups, sudo rules, SSH authorized keys, Docker containers, sockets and
// backup jobs. Item types and kind names are fixed in wire/inventory.go.
//
// Every collector fails soft: an error becomes the part's Error and the
// other kinds still go out. Collectors read files under Root (the host's
// "/" unless a test points it at a fixture tree) and run a command only
// where no file format is stable (systemctl, rpm) and Root is "/".
// Key material from authorized_keys never leaves the collector: only its
// fingerprint, type, size, comment and options do.
//
// A Runner is used by one goroutine at a time. It remembers the hash of
// each kind's items and says which kinds are due: on the first pass,
// when the hash changed, or when a kind was last sent an Interval ago.
package inventory
