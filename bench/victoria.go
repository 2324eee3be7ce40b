package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Victoria sends agents' batches to a VictoriaMetrics single node's
// import API (/api/v1/import/prometheus, text exposition with
// millisecond timestamps), each series labelled with its agent. It is a
// Target.
type Victoria struct {
	URL  string
	HTTP *http.Client
}

// VictoriaReport is the comparison run.
type VictoriaReport struct {
	URL           string       `json:"url"`
	Result        IngestResult `json:"result"`
	SamplesPerSec float64      `json:"samples_per_sec"`
	Ratio         float64      `json:"hub_over_victoriametrics"`
}

// Send builds a's next batch as text and posts it (Target).
func (v *Victoria) Send(ctx context.Context, a *SimAgent, end time.Time, perSeries int, step time.Duration) (int, int, error) {
	body := a.AppendPromText(nil, end, perSeries, step)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.URL+"/api/v1/import/prometheus", bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("build import request: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := v.HTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close() // read already
	status := resp.StatusCode
	if status == http.StatusNoContent {
		status = http.StatusOK // VictoriaMetrics acknowledges an import with 204
	}
	return len(a.Series) * perSeries, status, err
}

// AppendPromText appends a's next samples (as NextBatch would make them)
// in the Prometheus text format with timestamps, labelled agent=<ID>.
func (a *SimAgent) AppendPromText(dst []byte, end time.Time, perSeries int, step time.Duration) []byte {
	endMs, stepMs := end.UnixMilli(), step.Milliseconds()
	for i, s := range a.Series {
		for j := range perSeries {
			dst = append(dst, s.Name...)
			dst = append(dst, `{agent="`...)
			dst = append(dst, a.ID...)
			dst = append(dst, '"')
			for k, v := range s.Labels {
				dst = append(dst, ',')
				dst = append(dst, k...)
				dst = append(dst, '=')
				dst = strconv.AppendQuote(dst, v)
			}
			dst = append(dst, "} "...)
			dst = strconv.AppendFloat(dst, a.next(i), 'g', -1, 64)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, endMs-int64(perSeries-1-j)*stepMs, 10)
			dst = append(dst, '\n')
		}
	}
	return dst
}
