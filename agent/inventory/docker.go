package inventory

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/monsys/monsys/agent/dockerapi"
	"github.com/monsys/monsys/wire"
)

// collectContainers lists every container from the Docker Engine API
// over its Unix socket; no socket means no Docker on this machine.
func collectContainers(ctx context.Context, src Source) (any, error) {
	sock := src.DockerSock
	if sock == "" {
		sock = src.path("/var/run/docker.sock")
	}
	if _, err := os.Stat(sock); err != nil {
		return []wire.Container{}, fmt.Errorf("no Docker socket at %s: %w", sock, errNotPresent)
	}
	list, err := dockerapi.List(ctx, sock, true)
	if err != nil {
		return []wire.Container{}, err
	}
	out := make([]wire.Container, 0, len(list))
	for _, c := range list {
		wc := wire.Container{ID: c.ID, Name: c.Name(), Image: c.Image, State: c.State, Status: c.Status, Created: c.Created}
		for _, p := range c.Ports {
			port := strconv.Itoa(p.PrivatePort) + "/" + p.Type
			if p.PublicPort != 0 {
				port = net.JoinHostPort(p.IP, strconv.Itoa(p.PublicPort)) + "->" + port
			}
			wc.Ports = append(wc.Ports, port)
		}
		out = append(out, wc)
	}
	return out, nil
}
