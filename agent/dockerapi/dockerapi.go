package dockerapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Container is the part of GET /containers/json the agent reads.
type Container struct {
	ID      string   `json:"Id"`
	Names   []string `json:"Names"`
	Image   string   `json:"Image"`
	State   string   `json:"State"`
	Status  string   `json:"Status"`
	Created int64    `json:"Created"`
	Ports   []Port   `json:"Ports"`
}

// Port is one published or exposed port of a container.
type Port struct {
	IP          string `json:"IP"`
	PrivatePort int    `json:"PrivatePort"`
	PublicPort  int    `json:"PublicPort"`
	Type        string `json:"Type"`
}

// Name is the container's first name without Docker's leading slash.
func (c Container) Name() string {
	if len(c.Names) == 0 {
		return ""
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

// maxBody caps the answer read: 16 MiB is tens of thousands of containers.
const maxBody = 16 << 20

// timeout bounds one call, so a hung engine cannot hold a collection.
const timeout = 5 * time.Second

// List asks the engine at the Unix socket sock for its containers; all
// adds the stopped ones.
func List(ctx context.Context, sock string, all bool) ([]Container, error) {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	url := "http://docker/containers/json"
	if all {
		url += "?all=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the Docker Engine: %w", err)
	}
	defer resp.Body.Close() // body read below
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the Docker Engine answered %s", resp.Status)
	}
	var list []Container
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&list); err != nil {
		return nil, fmt.Errorf("decode container list: %w", err)
	}
	return list, nil
}
