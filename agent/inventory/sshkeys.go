package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/monsys/monsys/wire"
)

// collectSSHKeys reads ~/.ssh/authorized_keys and authorized_keys2 of
// every account in /etc/passwd. Only the fingerprint, type, size, comment
// and options leave this function.
func collectSSHKeys(ctx context.Context, src Source) (any, error) {
	usersAny, err := collectUsers(ctx, src)
	if err != nil {
		return []wire.SSHKey{}, err
	}
	var keys []wire.SSHKey
	var errs []error
	seen := map[string]bool{}
	for _, u := range usersAny.([]wire.User) {
		if u.Home == "" || u.Home == "/" || u.Home == "/nonexistent" {
			continue
		}
		for _, name := range []string{"authorized_keys", "authorized_keys2"} {
			file := filepath.Join(u.Home, ".ssh", name)
			if seen[file] {
				continue // homes shared by several accounts
			}
			seen[file] = true
			err := readLines(src.path(file), func(line string) {
				if k, ok := parseAuthorizedKey(line); ok {
					k.User, k.File = u.Name, file
					keys = append(keys, k)
				}
			})
			if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
				errs = append(errs, err)
			}
		}
	}
	return keys, errors.Join(errs...)
}

// keyTypes are the key type names sshd accepts at the start of a key.
var keyTypes = map[string]bool{
	"ssh-rsa": true, "ssh-dss": true, "ssh-ed25519": true, "ssh-ed448": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ssh-ed25519@openssh.com": true, "sk-ecdsa-sha2-nistp256@openssh.com": true,
}

// parseAuthorizedKey reads "[options] type base64 [comment]". The options
// field may hold quoted spaces.
func parseAuthorizedKey(line string) (wire.SSHKey, bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return wire.SSHKey{}, false
	}
	var options string
	first, rest := splitOptions(line)
	if !keyTypes[first] {
		options, line = first, rest
		first, rest = splitOptions(line)
	}
	if !keyTypes[first] {
		return wire.SSHKey{}, false
	}
	blobText, comment, _ := strings.Cut(rest, " ")
	blob, err := base64.StdEncoding.DecodeString(blobText)
	if err != nil || len(blob) == 0 {
		return wire.SSHKey{}, false
	}
	sum := sha256.Sum256(blob)
	return wire.SSHKey{Type: first, Fingerprint: "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:]),
		Bits: keyBits(first, blob), Comment: strings.TrimSpace(comment), Options: options}, true
}

// splitOptions cuts the first space-separated token, honouring double quotes.
func splitOptions(s string) (string, string) {
	quoted := false
	for i, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			return s[:i], strings.TrimSpace(s[i+1:])
		}
	}
	return s, ""
}

// keyBits is the key size ssh-keygen -l prints.
func keyBits(typ string, blob []byte) int {
	switch {
	case strings.Contains(typ, "ed25519"):
		return 256
	case strings.Contains(typ, "ed448"):
		return 456
	case strings.Contains(typ, "nistp256"):
		return 256
	case strings.Contains(typ, "nistp384"):
		return 384
	case strings.Contains(typ, "nistp521"):
		return 521
	case typ == "ssh-rsa":
		// string type, mpint e, mpint n
		parts := sshStrings(blob, 3)
		if len(parts) == 3 {
			return new(big.Int).SetBytes(parts[2]).BitLen()
		}
	case typ == "ssh-dss":
		if parts := sshStrings(blob, 2); len(parts) == 2 {
			return new(big.Int).SetBytes(parts[1]).BitLen()
		}
	}
	return 0
}

// sshStrings reads up to n length-prefixed fields of the SSH wire format.
func sshStrings(b []byte, n int) [][]byte {
	var out [][]byte
	for len(out) < n && len(b) >= 4 {
		l := binary.BigEndian.Uint32(b)
		if uint64(l) > uint64(len(b)-4) {
			break
		}
		out = append(out, b[4:4+l])
		b = b[4+l:]
	}
	return out
}
