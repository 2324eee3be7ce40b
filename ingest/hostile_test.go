package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/monsys/monsys/wire"
)

func newTestService(t testing.TB, f *fixture) *Service {
	t.Helper()
	svc, err := NewService(ServiceConfig{}, f.pipe, f.resolver, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// refusedField is the field a refusal names, or "" when err is not a
// refusal for the batch's content (a 4xx the agent drops).
func refusedField(err error) string {
	var fe *FieldError
	var fes FieldErrors
	switch {
	case errors.As(err, &fe):
		return fe.Field
	case errors.As(err, &fes) && len(fes) > 0:
		return fes[0].Field
	}
	return ""
}

// batchJSON is an agent batch with one good series and the given extra
// members spliced in as raw JSON.
func batchJSON(extra string) []byte {
	now := time.Now().UnixMilli()
	return fmt.Appendf(nil, `{"batch_id":%q,"metrics":[{"name":"up","labels":{"cpu":"0"},"samples":[[%d,1]]}]%s}`,
		uuid.Must(uuid.NewV7()), now, extra)
}

// TestHostileBatchesAreRefusedNamingTheField: each of the batches that
// used to answer 503 for ever (NUL or a lone surrogate in a part), or to
// store nonsense (wrong item types, a path as a kind, a 5 MiB summary),
// is now refused as the client's fault, naming the part and index, and
// the agent's next good batch commits.
func TestHostileBatchesAreRefusedNamingTheField(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	svc := newTestService(t, f)
	agent := f.agents[0]
	now := time.Now().UnixMilli()
	cases := []struct {
		name, body, field string
	}{
		{"NUL in a label value", fmt.Sprintf(`{"batch_id":%q,"metrics":[{"name":"up","labels":{"path":"a\u0000b"},"samples":[[%d,1]]}]}`,
			uuid.Must(uuid.NewV7()), now), "metrics[0].labels.path"},
		{"NUL in an alert summary", string(batchJSON(`,"alerts":[{"key":"k","severity":"info","summary":"x\u0000","state":"firing"}]`)),
			"alerts[0].summary"},
		{"NUL in an inventory item", string(batchJSON(`,"inventory":[{"kind":"packages","items":[{"name":"a\u0000","version":"1","manager":"dpkg"}]}]`)),
			"inventory[0].items[0].name"},
		{"lone surrogate in inventory", string(batchJSON(`,"inventory":[{"kind":"users","items":[{"name":"ok"},{"name":"\ud800"}]}]`)),
			"inventory[0].items[1].name"},
		{"items not an array", string(batchJSON(`,"inventory":[{"kind":"packages","items":"zzz"}]`)), "inventory[0].items"},
		{"items of the wrong types", string(batchJSON(`,"inventory":[{"kind":"packages","items":[1,2,"x",null]}]`)), "inventory[0].items[0]"},
		{"a null item", string(batchJSON(`,"inventory":[{"kind":"packages","items":[null]}]`)), "inventory[0].items[0]"},
		{"an item without its name", string(batchJSON(`,"inventory":[{"kind":"packages","items":[{"version":"1"}]}]`)), "inventory[0].items[0]"},
		{"a field of the wrong type", string(batchJSON(`,"inventory":[{"kind":"users","items":[{"name":"a","uid":"zero"}]}]`)), "inventory[0].items[0].uid"},
		{"an unknown kind", string(batchJSON(`,"inventory":[{"kind":"../../etc/passwd","items":[]}]`)), "inventory[0].kind"},
		{"a kind twice", string(batchJSON(`,"inventory":[{"kind":"users","items":[]},{"kind":"users","items":[]}]`)), "inventory[1].kind"},
		{"an overlong item string", string(batchJSON(`,"inventory":[{"kind":"systemd","items":[{"name":"` + strings.Repeat("u", MaxItemString+1) + `"}]}]`)),
			"inventory[0].items[0].name"},
		{"a 5 MiB alert summary", string(batchJSON(`,"alerts":[{"key":"k","severity":"info","summary":"` + strings.Repeat("s", 5<<20) + `","state":"firing"}]`)),
			"alerts[0].summary"},
		{"NUL in the heartbeat", string(batchJSON(`,"heartbeat":{"uptime_s":1,"agent_version":"1\u0000"}`)), "heartbeat.agent_version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Accept(context.Background(), Request{Format: FormatBatch, Body: []byte(c.body), TenantID: f.tenant, AgentID: &agent})
			if got := refusedField(err); got != c.field {
				t.Fatalf("err = %v; names field %q, want %q", err, got, c.field)
			}
		})
	}
	if _, err := svc.Accept(context.Background(), Request{Format: FormatBatch, TenantID: f.tenant, AgentID: &agent,
		Body: batchJSON(`,"inventory":[{"kind":"packages","items":[{"name":"openssl","version":"3.0","manager":"dpkg"}]}]`)}); err != nil {
		t.Fatalf("a good batch after the hostile ones: %v", err)
	}
}

// TestRemoteWriteNULLabelIsRefused: remote-write with a\x00b in a label
// value answers a field error, not a storage failure.
func TestRemoteWriteNULLabelIsRefused(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	svc := newTestService(t, f)
	for name, value := range map[string]string{"nul": "a\x00b", "utf8": "a\xffb"} {
		wr := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
			Labels:  []prompb.Label{{Name: "__name__", Value: "up"}, {Name: "job", Value: value}},
			Samples: []prompb.Sample{{Value: 1, Timestamp: time.Now().UnixMilli()}},
		}}}
		body := snappy.Encode(nil, marshalWriteRequest(t, wr))
		_, err := svc.Accept(context.Background(), Request{Format: FormatRemoteWrite, Encoding: "snappy", Body: body, TenantID: f.tenant})
		if got := refusedField(err); got != "timeseries[0].labels.job" {
			t.Errorf("%s: err = %v, names %q", name, err, got)
		}
	}
}

// TestUnstorableBatchDoesNotFailItsGroup: a batch that storage refuses for
// its content (here \u0000 in inventory jsonb, which the service's checks
// would have refused earlier) is answered ErrUnstorable, and the good
// batches of other agents flushed in the same group commit and are
// answered as committed. The group is handed to one flush directly, so it
// is one group whatever the machine's timing.
func TestUnstorableBatchDoesNotFailItsGroup(t *testing.T) {
	const good = 12
	f := newFixture(t, good+1, Config{Shards: 1})
	ctx := context.Background()
	base := time.Now().Add(-time.Minute)
	var st flushState
	rows := 0
	for i, a := range f.agents {
		body := wire.AppendBatchJSON(nil, recentBatch(uuid.Must(uuid.NewV7()), 2, 3, base))
		b := new(Batch)
		if err := Decode(body, b, DefaultLimits); err != nil {
			t.Fatal(err)
		}
		if err := f.resolver.Resolve(ctx, f.tenant, &a, b); err != nil {
			t.Fatal(err)
		}
		item := &Pending{TenantID: f.tenant, AgentID: &a, HasBatchID: true, BodySHA256: sha256.Sum256(body), Batch: b,
			done: make(chan Result, 1)}
		if i == good/2 {
			item.Inventory = []wire.InventoryPart{{Kind: wire.KindPackages, Items: json.RawMessage(`[{"name":"a\u0000b"}]`)}}
		}
		st.items = append(st.items, item)
		rows += b.SampleCount()
	}
	group := append([]*Pending(nil), st.items...)
	f.pipe.flushAndAnswer(ctx, &st, rows)
	for i, it := range group {
		r := <-it.done
		switch {
		case i == good/2 && (!errors.Is(r.Err, ErrUnstorable) || errors.Is(r.Err, ErrStorage)):
			t.Errorf("unstorable batch: err = %v, want ErrUnstorable", r.Err)
		case i != good/2 && r.Err != nil:
			t.Errorf("good batch %d: %v", i, r.Err)
		}
	}
	if got, want := countSamples(t, f.pool), good*2*3; got != want {
		t.Errorf("%d samples committed, want %d (every good batch, none of the refused one)", got, want)
	}
}
