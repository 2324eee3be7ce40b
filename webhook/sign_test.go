package webhook

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestSignMatchesReference: the reference library verifies our signature
// and refuses it for another body or id.
func TestSignMatchesReference(t *testing.T) {
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"alert.firing"}`)
	ts := time.Now().Unix()
	sig, err := Sign(secret, "msg_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", sig)
	if err := wh.Verify(body, h); err != nil {
		t.Fatalf("reference refuses our signature: %v", err)
	}
	if wh.Verify([]byte(`{"type":"alert.resolved"}`), h) == nil {
		t.Error("reference accepts another body")
	}
	h.Set("webhook-id", "msg_2")
	if wh.Verify(body, h) == nil {
		t.Error("reference accepts another id")
	}
	if _, err := Sign("not-a-secret", "m", ts, body); err == nil {
		t.Error("a secret without whsec_ was accepted")
	}
}
