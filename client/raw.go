package client

import (
	"bytes"
	"encoding/json"
)

// Raw holds the JSON the hub answered for a value, byte for byte. Types
// that embed it give it back with JSON(), so a program can print exactly
// what the API said, fields this client does not know included.
type Raw struct {
	raw json.RawMessage
}

// JSON is the hub's JSON for the value; nil for a value not read from a hub.
func (r Raw) JSON() json.RawMessage { return r.raw }

func (r *Raw) keep(b []byte) { r.raw = append(json.RawMessage(nil), b...) }

// keeper is implemented by every type that embeds Raw.
type keeper interface{ keep([]byte) }

// List is every item a listing call collected, across the pages it walked.
type List[T any] struct {
	Items []T
	// More is set when the listing stopped at the caller's limit although
	// the hub had more.
	More bool
	raw  []json.RawMessage
}

// JSON is {"items":[…]} with each item as the hub answered it.
func (l List[T]) JSON() json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i, it := range l.raw {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// appendItems decodes one page's items into l, keeping each item's JSON.
func appendItems[T any, P interface {
	*T
	keeper
}](l *List[T], items []json.RawMessage, what string) error {
	for _, it := range items {
		var v T
		if err := decode(it, P(&v), what); err != nil {
			return err
		}
		l.Items = append(l.Items, v)
		l.raw = append(l.raw, it)
	}
	return nil
}
