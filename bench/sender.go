package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/wire"
)

// Sender posts agents' batches to one hub's ingest endpoint, signed as
// the protocol says. It is a Target; Close releases its encoder.
type Sender struct {
	URL  string // the hub's base URL
	HTTP *http.Client
	enc  *zstd.Encoder
}

// NewSender sends to the hub at url with hc.
func NewSender(url string, hc *http.Client) (*Sender, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	return &Sender{URL: url, HTTP: hc, enc: enc}, nil
}

// Close releases the encoder and idle connections.
func (s *Sender) Close() {
	_ = s.enc.Close() // an encoder used only by EncodeAll has nothing to flush
	s.HTTP.CloseIdleConnections()
}

// Send builds a's next batch, signs it now and posts it (Target).
func (s *Sender) Send(ctx context.Context, a *SimAgent, end time.Time, perSeries int, step time.Duration) (int, int, error) {
	body := a.NextBatch(s.enc, end, perSeries, step)
	status, err := s.Post(ctx, a, body, time.Now())
	return body.Samples, status, err
}

// Post posts body for a, signed at now, and returns the HTTP status (0 on
// a network error, with the error). The answer is read and discarded so
// the connection is reused.
func (s *Sender) Post(ctx context.Context, a *SimAgent, body Body, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/ingest", bytes.NewReader(body.Bytes))
	if err != nil {
		return 0, fmt.Errorf("build ingest request: %w", err)
	}
	ts, sig := wire.Sign(a.Key, wire.PurposeIngest, a.ID, now, body.Bytes)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "zstd")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close() // the answer has been read; a close error changes nothing
	return resp.StatusCode, err
}

// NewHTTPClient is a client with one idle connection per agent, as a
// fleet of separate machines would keep.
func NewHTTPClient(agents int, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: agents + 16, MaxIdleConnsPerHost: agents + 16, IdleConnTimeout: 90 * time.Second,
		DisableCompression: true,
	}}
}
