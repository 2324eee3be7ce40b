package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestSigningStringLayout(t *testing.T) {
	got := string(AppendSigningString(nil, PurposeIngest, "agent-1", 1732680000, []byte("abc")))
	want := "monsys-ingest-v1\nagent-1\n1732680000\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got != want {
		t.Fatalf("signing string\n got %q\nwant %q", got, want)
	}
}

func TestVerifyMatrix(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"batch_id":"b1"}`)
	ts, sig := Sign(priv, PurposeIngest, "agent-1", now, body)
	_, otherSig := Sign(otherPriv, PurposeIngest, "agent-1", now, body)
	tsOld, sigOld := Sign(priv, PurposeIngest, "agent-1", now.Add(-301*time.Second), body)
	tsNew, sigNew := Sign(priv, PurposeIngest, "agent-1", now.Add(301*time.Second), body)
	tsEdge, sigEdge := Sign(priv, PurposeIngest, "agent-1", now.Add(-300*time.Second), body)
	flippedBody := append([]byte(nil), body...)
	flippedBody[3] ^= 1
	raw, _ := ParseSignature(sig)
	raw[10] ^= 1
	flippedSig := "ed25519=" + base64.StdEncoding.EncodeToString(raw)
	tsNum, _ := strconv.ParseInt(ts, 10, 64)

	cases := []struct {
		name          string
		purpose, subj string
		ts, sig       string
		body          []byte
		want          error
	}{
		{"valid", PurposeIngest, "agent-1", ts, sig, body, nil},
		{"valid at the edge of the window", PurposeIngest, "agent-1", tsEdge, sigEdge, body, nil},
		{"bit flipped in body", PurposeIngest, "agent-1", ts, sig, flippedBody, ErrBadSignature},
		{"timestamp changed", PurposeIngest, "agent-1", strconv.FormatInt(tsNum+1, 10), sig, body, ErrBadSignature},
		{"bit flipped in signature", PurposeIngest, "agent-1", ts, flippedSig, body, ErrBadSignature},
		{"other agent's key", PurposeIngest, "agent-1", ts, otherSig, body, ErrBadSignature},
		{"other subject", PurposeIngest, "agent-2", ts, sig, body, ErrBadSignature},
		{"other purpose", PurposeRegister, "agent-1", ts, sig, body, ErrBadSignature},
		{"301 s old", PurposeIngest, "agent-1", tsOld, sigOld, body, ErrStaleTimestamp},
		{"301 s ahead", PurposeIngest, "agent-1", tsNew, sigNew, body, ErrStaleTimestamp},
		{"missing signature", PurposeIngest, "agent-1", ts, "", body, ErrMalformedSignature},
		{"wrong algorithm label", PurposeIngest, "agent-1", ts, "rsa=" + sig[len("ed25519="):], body, ErrMalformedSignature},
		{"malformed base64", PurposeIngest, "agent-1", ts, "ed25519=!!!", body, ErrMalformedSignature},
		{"short signature", PurposeIngest, "agent-1", ts, "ed25519=AAAA", body, ErrMalformedSignature},
		{"missing timestamp", PurposeIngest, "agent-1", "", sig, body, ErrMalformedTimestamp},
		{"timestamp not a number", PurposeIngest, "agent-1", "12ab", sig, body, ErrMalformedTimestamp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(pub, tc.purpose, tc.subj, tc.ts, tc.sig, tc.body, now, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyReusesScratchWithoutAllocating(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	body := make([]byte, 64<<10)
	ts, sig := Sign(priv, PurposeIngest, "0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22", now, body)
	scratch := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(50, func() {
		var err error
		scratch, err = Verify(pub, PurposeIngest, "0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22", ts, sig, body, now, scratch)
		if err != nil {
			t.Fatal(err)
		}
	})
	// The decoded signature is the one allocation left (64 bytes).
	if allocs > 1 {
		t.Fatalf("Verify allocates %.0f times per call, want ≤ 1", allocs)
	}
}

func FuzzParseSignature(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, sig := Sign(priv, PurposeIngest, "a", time.Now(), nil)
	f.Add(sig)
	f.Add("ed25519=")
	f.Add("ed25519=====")
	f.Add("rsa=AAAA")
	f.Fuzz(func(t *testing.T, h string) {
		b, err := ParseSignature(h)
		if err == nil && len(b) != ed25519.SignatureSize {
			t.Fatalf("accepted %q with %d bytes", h, len(b))
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add("1800000000")
	f.Add("-1")
	f.Add("99999999999999999999")
	f.Add("+1800000000")
	f.Fuzz(func(t *testing.T, h string) {
		ts, err := ParseTimestamp(h, now)
		if err != nil {
			return
		}
		if d := now.Sub(time.Unix(ts, 0)); d > MaxClockSkew || d < -MaxClockSkew {
			t.Fatalf("accepted %q, %v from now", h, d)
		}
	})
}
