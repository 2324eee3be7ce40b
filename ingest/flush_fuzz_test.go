package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

// clientFault reports whether err is a refusal for the body's content,
// answered 4xx (the agent drops the batch); anything else would be a 5xx
// that the agent retries for ever.
func clientFault(err error) bool {
	var fe *FieldError
	var fes FieldErrors
	var syn *SyntaxError
	var sig *SignatureError
	return errors.As(err, &fe) || errors.As(err, &fes) || errors.As(err, &syn) || errors.As(err, &sig) ||
		errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsupportedEncoding) || errors.Is(err, ErrCorrupt) ||
		errors.Is(err, ErrBatchMismatch) || errors.Is(err, ErrUnstorable)
}

// FuzzFlush runs fuzzed batch bodies through the whole service — decode,
// validation, series resolution and the real flush into PostgreSQL — each
// beside a good batch of another agent on the same shard, so both can
// share a flush. The fuzzed batch must commit or be refused as the
// client's fault (never ErrStorage: a 503 the agent retries for ever),
// and the good batch must always commit.
func FuzzFlush(f *testing.F) {
	fx := newFixture(f, 2, Config{Shards: 1, FlushLinger: 20 * time.Millisecond})
	svc := newTestService(f, fx)
	now := time.Now().UnixMilli()
	for _, extra := range []string{
		``,
		`,"metrics":[{"name":"up","labels":{"a":"b\u0000"},"samples":[[NOW,1]]}]`,
		`,"metrics":[{"name":"up","labels":{"a":"\ud800"},"samples":[[NOW,1]]}]`,
		`,"inventory":[{"kind":"packages","items":[{"name":"x","version":"1"}]}]`,
		`,"inventory":[{"kind":"packages","items":[{"name":"\u0000","version":"1"}]}]`,
		`,"inventory":[{"kind":"users","items":[{"name":"\udfff"}]}]`,
		`,"inventory":[{"kind":"host","items":{"hostname":"h","cpu_cores":-1,"memory_bytes":1}}]`,
		`,"alerts":[{"key":"k","severity":"critical","summary":"s","state":"firing"}]`,
		`,"alerts":[{"key":"k\u0000","severity":"info","summary":"s","state":"firing"}]`,
		`,"heartbeat":{"uptime_s":1,"agent_version":"v\u0000"}`,
		`,"inventory":[{"kind":"sockets","items":[{"proto":"tcp","local_port":99999999999}]}]`,
	} {
		f.Add(fmt.Sprintf(`{"batch_id":"%s","metrics":[{"name":"cpu","samples":[[%d,0.5]]}]%s}`, uuid.Must(uuid.NewV7()), now, extra))
	}
	f.Fuzz(func(t *testing.T, body string) {
		body = replaceNow(body, time.Now().UnixMilli())
		var wg sync.WaitGroup
		var goodErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			good := wire.AppendBatchJSON(nil, recentBatch(uuid.Must(uuid.NewV7()), 2, 2, time.Now().Add(-time.Minute)))
			_, goodErr = svc.Accept(context.Background(), Request{Format: FormatBatch, Body: good, TenantID: fx.tenant, AgentID: &fx.agents[1]})
		}()
		_, err := svc.Accept(context.Background(), Request{Format: FormatBatch, Body: []byte(body), TenantID: fx.tenant, AgentID: &fx.agents[0]})
		wg.Wait()
		if err != nil && !clientFault(err) {
			t.Errorf("fuzzed batch answered a 5xx: %v\nbody: %.500q", err, body)
		}
		if goodErr != nil {
			t.Errorf("the good batch beside it failed: %v\nfuzzed body: %.500q", goodErr, body)
		}
	})
}

// replaceNow puts the current time where a seed says NOW, so seeds stay
// inside the accepted window however old the corpus is.
func replaceNow(s string, ms int64) string {
	const tok = "NOW"
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if i+len(tok) <= len(s) && s[i:i+len(tok)] == tok {
			out = fmt.Appendf(out, "%d", ms)
			i += len(tok) - 1
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}
