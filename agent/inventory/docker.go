package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/monsys/monsys/wire"
)

// dockerContainer is the part of GET /containers/json the agent reads.
type dockerContainer struct {
	ID      string   `json:"Id"`
	Names   []string `json:"Names"`
	Image   string   `json:"Image"`
	State   string   `json:"State"`
	Status  string   `json:"Status"`
	Created int64    `json:"Created"`
	Ports   []struct {
		IP          string `json:"IP"`
		PrivatePort int    `json:"PrivatePort"`
		PublicPort  int    `json:"PublicPort"`
		Type        string `json:"Type"`
	} `json:"Ports"`
}

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
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/containers/json?all=1", nil)
	if err != nil {
		return []wire.Container{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return []wire.Container{}, fmt.Errorf("ask the Docker Engine: %w", err)
	}
	defer resp.Body.Close() // body read below
	if resp.StatusCode != http.StatusOK {
		return []wire.Container{}, fmt.Errorf("the Docker Engine answered %s", resp.Status)
	}
	var list []dockerContainer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&list); err != nil {
		return []wire.Container{}, fmt.Errorf("decode container list: %w", err)
	}
	out := make([]wire.Container, 0, len(list))
	for _, c := range list {
		wc := wire.Container{ID: c.ID, Image: c.Image, State: c.State, Status: c.Status, Created: c.Created}
		if len(c.Names) > 0 {
			wc.Name = strings.TrimPrefix(c.Names[0], "/")
		}
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
