package governance

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Allowed values of the enumerated fields.
var (
	Environments        = []string{"production", "staging", "development", "test"}
	Criticalities       = []string{"low", "medium", "high", "critical"}
	DataClassifications = []string{"public", "internal", "confidential", "restricted"}
)

// Bounds of a record.
const (
	MaxTags    = 32
	MaxWindows = 20
	maxOwner   = 200
)

// tagPattern is a tag: lowercase, digits and ._:/- (team:payments, pci).
var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._:/-]{0,62}$`)

// Record is an agent's governance. Empty strings mean "not set".
type Record struct {
	Owner              string   `json:"owner"`
	Environment        string   `json:"environment"`
	Criticality        string   `json:"criticality"`
	DataClassification string   `json:"data_classification"`
	Tags               []string `json:"tags"`
	MaintenanceWindows []Window `json:"maintenance_windows"`
}

// FieldError names one invalid field of a record.
type FieldError struct {
	Field   string
	Message string
}

// Validate checks r and normalizes it in place (tags sorted and unique,
// nil slices made empty). It returns one error per invalid field.
func (r *Record) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if utf8.RuneCountInString(r.Owner) > maxOwner || strings.ContainsAny(r.Owner, "\x00\r\n") {
		add("owner", "must be at most %d characters on one line", maxOwner)
	}
	for _, f := range []struct {
		name, value string
		allowed     []string
	}{
		{"environment", r.Environment, Environments},
		{"criticality", r.Criticality, Criticalities},
		{"data_classification", r.DataClassification, DataClassifications},
	} {
		if f.value != "" && !slices.Contains(f.allowed, f.value) {
			add(f.name, "must be one of %s (or empty)", strings.Join(f.allowed, ", "))
		}
	}
	if len(r.Tags) > MaxTags {
		add("tags", "at most %d tags", MaxTags)
	}
	for i, t := range r.Tags {
		if !tagPattern.MatchString(t) {
			add(fmt.Sprintf("tags[%d]", i), "a tag is 1 to 63 characters of a-z, 0-9 and ._:/- starting with a letter or digit")
		}
	}
	r.Tags = slices.Compact(slices.Sorted(slices.Values(r.Tags)))
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if len(r.MaintenanceWindows) > MaxWindows {
		add("maintenance_windows", "at most %d windows", MaxWindows)
	}
	for i := range r.MaintenanceWindows {
		errs = append(errs, r.MaintenanceWindows[i].validate(fmt.Sprintf("maintenance_windows[%d]", i))...)
	}
	if r.MaintenanceWindows == nil {
		r.MaintenanceWindows = []Window{}
	}
	return errs
}
