package ingest

// The schemas of a batch's small parts: inventory per kind, alerts,
// heartbeat. The metrics part has its own grammar (decode.go); these parts
// arrive as raw JSON, are checked here, and are stored as sent (inventory
// items in jsonb), so what is stored is always something the dashboard,
// the search and the change history can read.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/monsys/monsys/textcheck"
	"github.com/monsys/monsys/wire"
)

// Bounds of the small parts. An agent's largest real inventory (a
// build server's packages, a busy host's sockets) is a few thousand items
// of short strings; these leave room and stop a batch from filling a
// page of the dashboard with megabytes.
const (
	MaxInventoryParts = 32     // inventory parts in one batch (each kind at most once)
	MaxInventoryItems = 50_000 // items of one part
	MaxItemString     = 4096   // bytes of any string in an inventory item
	MaxItemList       = 1024   // entries of a list inside an item (groups, ports, commands)
	MaxPartError      = 4096   // bytes of a part's collector error
	MaxAlerts         = 1000   // alerts in one batch
	MaxAlertKey       = 512    // bytes of an alert's key
	MaxAlertSummary   = 4096   // bytes of an alert's summary
)

// kindSchema checks the items of one inventory kind; field names them in
// its errors.
type kindSchema func(items json.RawMessage, field string) error

// inventoryKinds are the kinds the hub stores; any other is refused. A new
// kind gets its wire type and a row here.
var inventoryKinds = map[string]kindSchema{
	wire.KindHost:       objectOf[wire.HostInfo](),
	wire.KindPackages:   listOf(func(p *wire.Package) string { return missing("name", p.Name, "version", p.Version) }),
	wire.KindSystemd:    listOf(func(u *wire.SystemdUnit) string { return missing("name", u.Name) }),
	wire.KindUsers:      listOf(func(u *wire.User) string { return missing("name", u.Name) }),
	wire.KindGroups:     listOf(func(g *wire.Group) string { return missing("name", g.Name) }),
	wire.KindSudo:       listOf(func(r *wire.SudoRule) string { return missing("principal", r.Principal) }),
	wire.KindSSHKeys:    listOf(func(k *wire.SSHKey) string { return missing("fingerprint", k.Fingerprint) }),
	wire.KindContainers: listOf(func(c *wire.Container) string { return missing("id", c.ID) }),
	wire.KindSockets:    listOf(func(s *wire.Socket) string { return missing("proto", s.Proto) }),
	wire.KindBackups:    listOf(func(j *wire.BackupJob) string { return missing("tool", j.Tool) }),
	wire.KindProcesses:  listOf(func(p *wire.Process) string { return missing("name", p.Name) }),
	wire.KindUpdates: listOf(func(u *wire.Update) string {
		return missing("name", u.Name, "installed", u.Installed, "available", u.Available)
	}),
}

// KnownInventoryKinds lists the kinds the hub accepts, for messages and
// documentation.
func KnownInventoryKinds() []string {
	return slices.Sorted(maps.Keys(inventoryKinds))
}

// missing names the first required field (name, value pairs) that is
// empty, or "".
func missing(pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return pairs[i] + " is required"
		}
	}
	return ""
}

// listOf is the schema of a kind whose items are a JSON array of T
// objects; required names a missing required field of one item.
func listOf[T any](required func(*T) string) kindSchema {
	return func(items json.RawMessage, field string) error {
		if noItems(items) {
			return nil
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(items, &elems); err != nil || elems == nil {
			return &FieldError{Field: field, Msg: "must be an array of objects"}
		}
		if len(elems) > MaxInventoryItems {
			return &FieldError{Field: field, Msg: fmt.Sprintf("more than %d items", MaxInventoryItems)}
		}
		for i, raw := range elems {
			f := fmt.Sprintf("%s[%d]", field, i)
			var v T
			if err := decodeStrict(raw, &v, f); err != nil {
				return err
			}
			if msg := required(&v); msg != "" {
				return &FieldError{Field: f, Msg: msg}
			}
			if err := checkSizes(reflect.ValueOf(v), f); err != nil {
				return err
			}
		}
		return nil
	}
}

// objectOf is the schema of a kind whose items are one T object.
func objectOf[T any]() kindSchema {
	return func(items json.RawMessage, field string) error {
		if noItems(items) {
			return nil
		}
		var v T
		if err := decodeStrict(items, &v, field); err != nil {
			return err
		}
		return checkSizes(reflect.ValueOf(v), field)
	}
}

// noItems: a part without items (absent or null), as a collector that
// failed sends it with its error.
func noItems(items json.RawMessage) bool {
	t := bytes.TrimSpace(items)
	return len(t) == 0 || string(t) == "null"
}

// decodeStrict reads one JSON object into v: types must match and
// unknown fields are refused, as for the rest of the batch.
func decodeStrict(raw json.RawMessage, v any, field string) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return &FieldError{Field: field, Msg: "must be an object"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		return &FieldError{Field: field + "." + typ.Field, Msg: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), typ.Value)}
	}
	return &FieldError{Field: field, Msg: "does not match its kind's schema: " + err.Error()}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number ≥ 0 that fits 64 bits"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a whole number that fits 64 bits"
}

// checkSizes bounds every string and list of a decoded item.
func checkSizes(v reflect.Value, field string) error {
	t := v.Type()
	for i := range t.NumField() {
		fv := v.Field(i)
		name, _, _ := bytes.Cut([]byte(t.Field(i).Tag.Get("json")), []byte(","))
		f := field + "." + string(name)
		switch fv.Kind() {
		case reflect.String:
			if fv.Len() > MaxItemString {
				return &FieldError{Field: f, Msg: fmt.Sprintf("longer than %d bytes", MaxItemString)}
			}
		case reflect.Slice:
			if fv.Len() > MaxItemList {
				return &FieldError{Field: f, Msg: fmt.Sprintf("more than %d entries", MaxItemList)}
			}
			for j := range fv.Len() {
				if fv.Index(j).Kind() == reflect.String && fv.Index(j).Len() > MaxItemString {
					return &FieldError{Field: fmt.Sprintf("%s[%d]", f, j), Msg: fmt.Sprintf("longer than %d bytes", MaxItemString)}
				}
			}
		}
	}
	return nil
}

// checkText refuses any string of a raw part that PostgreSQL cannot store.
func checkText(raw []byte, part string) *FieldError {
	if err := textcheck.JSON(raw, part); err != nil {
		return &FieldError{Field: err.Path, Msg: string(err.Problem)}
	}
	return nil
}
