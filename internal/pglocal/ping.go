package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// waitReady polls the server behind socket until it accepts a connection,
// ctx ends or timeout passes. It returns the last ping error on failure.
func waitReady(ctx context.Context, socket string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := ping(ctx, socket)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for server on %s: %w (last attempt: %w)", socket, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ping opens the socket and sends a startup message as the superuser, like
// pg_isready: an authentication request or success ('R') means the server
// accepts connections; an error response (e.g. "the database system is
// starting up") or silence means it does not.
func ping(ctx context.Context, socket string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(2 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}

	params := "user\x00" + superuser + "\x00database\x00postgres\x00\x00"
	msg := binary.BigEndian.AppendUint32(nil, uint32(8+len(params)))
	msg = binary.BigEndian.AppendUint32(msg, 3<<16) // protocol 3.0
	msg = append(msg, params...)
	if _, err := conn.Write(msg); err != nil {
		return fmt.Errorf("send startup message: %w", err)
	}

	r := bufio.NewReader(conn)
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return fmt.Errorf("read startup reply: %w", err)
	}
	switch head[0] {
	case 'R':
		_, _ = conn.Write([]byte{'X', 0, 0, 0, 4}) // Terminate; the server logs nothing either way
		return nil
	case 'E':
		n := int(binary.BigEndian.Uint32(head[1:])) - 4
		if n < 0 || n > 1<<16 {
			return errors.New("read startup reply: bad error length")
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return fmt.Errorf("read startup error: %w", err)
		}
		return fmt.Errorf("server refused connection: %s", errorMessage(body))
	default:
		return fmt.Errorf("read startup reply: unexpected message type %q", head[0])
	}
}

// errorMessage extracts the message ('M') field of an ErrorResponse body.
func errorMessage(body []byte) string {
	for len(body) > 1 {
		field := body[0]
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			break
		}
		if field == 'M' {
			return string(body[1 : 1+end])
		}
		body = body[2+end:]
	}
	return "unknown error"
}
