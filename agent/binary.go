package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

// ownBinarySHA256 is the hex SHA-256 of the running executable, for the
// hub's integrity check, or "" when it cannot be read.
func ownBinarySHA256() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
