package integrity

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// keysOf are the identity keys of a machine's DNA.
func keysOf(d *wire.HostDNA) store.IdentityKeys {
	if d == nil {
		return store.IdentityKeys{}
	}
	return store.IdentityKeys{ProductUUID: strings.ToLower(d.ProductUUID), CloudInstanceID: d.CloudInstanceID,
		SSHKeys: setKey(d.SSHHostKeys), Disks: setKey(d.DiskSerials)}
}

// setKey is a hash of a set's sorted members, "" for an empty set.
func setKey(set []string) string {
	if len(set) == 0 {
		return ""
	}
	s := slices.Clone(set)
	slices.Sort(s)
	sum := sha256.Sum256([]byte(strings.Join(slices.Compact(s), "\n")))
	return hex.EncodeToString(sum[:16])
}

// unexplainedChanges are the reasons a machine's DNA moved from prev to
// cur beyond what a reboot or one piece of maintenance explains (rules in
// doc.go); nil when the change is explained.
func unexplainedChanges(prev, cur *wire.HostDNA) []string {
	if prev == nil || cur == nil {
		return nil
	}
	var hard []string
	if changed(prev.ProductUUID, cur.ProductUUID) {
		hard = append(hard, "product_uuid")
	}
	if changed(prev.CloudInstanceID, cur.CloudInstanceID) {
		hard = append(hard, "cloud_instance_id")
	}
	var soft []string
	for _, f := range []struct {
		name      string
		prev, cur []string
	}{
		{"ssh_host_keys", prev.SSHHostKeys, cur.SSHHostKeys},
		{"disk_serials", prev.DiskSerials, cur.DiskSerials},
		{"macs", prev.MACs, cur.MACs},
		{"product_serial", one(prev.ProductSerial), one(cur.ProductSerial)},
	} {
		if replaced(f.prev, f.cur) {
			soft = append(soft, f.name)
		}
	}
	if len(hard) == 0 && len(soft) < 2 {
		return nil
	}
	return append(hard, soft...)
}

func changed(prev, cur string) bool {
	return prev != "" && cur != "" && !strings.EqualFold(prev, cur)
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// replaced says whether a set known before and after has no member in
// common: every value was swapped.
func replaced(prev, cur []string) bool {
	if len(prev) == 0 || len(cur) == 0 {
		return false
	}
	for _, v := range cur {
		if slices.Contains(prev, v) {
			return false
		}
	}
	return true
}
