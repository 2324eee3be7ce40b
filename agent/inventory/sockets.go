package inventory

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/monsys/monsys/wire"
)

// maxSockets bounds one pass: a busy proxy can hold far more connections
// than topology needs.
const maxSockets = 4096

// tcpStates are the /proc/net/tcp state codes the agent reports.
var tcpStates = map[string]string{"0A": "LISTEN", "01": "ESTABLISHED"}

// collectSockets reads listening sockets and established connections
// from /proc/net/{tcp,tcp6,udp,udp6} and names their processes from the
// socket inodes under /proc/<pid>/fd (all of them when running as root).
func collectSockets(_ context.Context, src Source) (any, error) {
	var socks []wire.Socket
	inodes := map[string]int{} // inode → index into socks
	var errs []error
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		err := readLines(filepath.Join(src.proc(), "net", proto), func(line string) {
			if len(socks) >= maxSockets {
				return
			}
			s, inode, ok := parseProcNetLine(proto, line)
			if ok {
				inodes[inode] = len(socks)
				socks = append(socks, s)
			}
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("read /proc/net/%s: %w", proto, err))
		}
	}
	nameOwners(src.proc(), inodes, socks)
	return socks, errors.Join(errs...)
}

// parseProcNetLine reads "sl local rem st tx:rx tr:when retrnsmt uid
// timeout inode …" with hex addresses in host byte order per 32-bit word.
func parseProcNetLine(proto, line string) (wire.Socket, string, bool) {
	f := strings.Fields(line)
	if len(f) < 10 || f[0] == "sl" {
		return wire.Socket{}, "", false
	}
	state, ok := tcpStates[f[3]]
	if strings.HasPrefix(proto, "udp") {
		switch f[3] {
		case "07": // unconnected: listening
			state, ok = "LISTEN", true
		case "01":
			state, ok = "ESTABLISHED", true
		default:
			ok = false
		}
	}
	if !ok {
		return wire.Socket{}, "", false
	}
	la, lp, err1 := parseHexAddr(f[1])
	ra, rp, err2 := parseHexAddr(f[2])
	if err1 != nil || err2 != nil {
		return wire.Socket{}, "", false
	}
	s := wire.Socket{Proto: proto, State: state, LocalAddr: la, LocalPort: lp}
	if state == "ESTABLISHED" {
		s.RemoteAddr, s.RemotePort = ra, rp
	}
	return s, f[9], true
}

func parseHexAddr(s string) (string, int, error) {
	addrHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, errors.New("no port")
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return "", 0, err
	}
	raw, err := hex.DecodeString(addrHex)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return "", 0, errors.New("bad address")
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 { // each 32-bit word is little-endian
		binary.BigEndian.PutUint32(ip[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	return ip.String(), int(port), nil
}

// nameOwners sets PID and Process of the sockets whose inode a process
// holds open. Processes it cannot read are skipped.
func nameOwners(proc string, inodes map[string]int, socks []wire.Socket) {
	if len(inodes) == 0 {
		return
	}
	dirs, err := os.ReadDir(proc)
	if err != nil {
		return
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join(proc, d.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		var name string
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || !strings.HasPrefix(target, "socket:[") {
				continue
			}
			i, ok := inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")]
			if !ok {
				continue
			}
			if name == "" {
				b, _ := os.ReadFile(filepath.Join(proc, d.Name(), "comm")) // empty name when unreadable
				name = strings.TrimSpace(string(b))
			}
			socks[i].PID, socks[i].Process = pid, name
		}
	}
}
