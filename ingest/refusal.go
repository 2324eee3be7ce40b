package ingest

import (
	"fmt"
	"strings"
)

// refusal is a request refused for a reason the client can fix: its
// message is what the client is told, and errors.Is matches its kind
// (ErrTooLarge, ErrUnsupportedEncoding).
type refusal struct {
	kind error
	msg  string
}

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, args...)}
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

// SignatureError is a batch whose signature does not verify against its
// agent's pinned key; it answers 401.
type SignatureError struct{ Err error }

func (e *SignatureError) Error() string { return "signature check failed: " + e.Err.Error() }
func (e *SignatureError) Unwrap() error { return e.Err }

// FieldErrors are several invalid values of one batch, each naming its
// field; they answer 422.
type FieldErrors []FieldError

func (fs FieldErrors) Error() string {
	msgs := make([]string, len(fs))
	for i := range fs {
		msgs[i] = fs[i].Error()
	}
	return strings.Join(msgs, "; ")
}
