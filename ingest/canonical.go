package ingest

import (
	"crypto/sha256"
	"encoding/json"
)

// appendCanonical appends the identity of series s of batch b: owner,
// metric name and sorted labels, with separators that cannot occur in
// names (0xff) or in valid UTF-8 values (0xfe, 0xff).
func appendCanonical(dst []byte, owner *[32]byte, b *Batch, s *Series) []byte {
	dst = append(dst, owner[:]...)
	dst = append(dst, b.Str(s.Name)...)
	for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
		dst = append(dst, 0xff)
		dst = append(dst, b.Str(l.Name)...)
		dst = append(dst, 0xfe)
		dst = append(dst, b.Str(l.Value)...)
	}
	return dst
}

// labelsHash is what storage keys a label set by: the first 16 bytes of
// SHA-256 over the canonical labels (name included, owner excluded).
func labelsHash(b *Batch, s *Series) []byte {
	h := sha256.New()
	h.Write(b.Str(s.Name))
	for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
		h.Write([]byte{0xff})
		h.Write(b.Str(l.Name))
		h.Write([]byte{0xfe})
		h.Write(b.Str(l.Value))
	}
	return h.Sum(nil)[:16]
}

// labelsJSON renders a series' labels as a JSON object for storage.
func labelsJSON(b *Batch, s *Series) []byte {
	m := make(map[string]string, s.LabelsEnd-s.LabelsStart)
	for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
		m[string(b.Str(l.Name))] = string(b.Str(l.Value))
	}
	out, _ := json.Marshal(m) // a map of strings always marshals
	return out
}
