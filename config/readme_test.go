package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryVariable keeps the README's configuration table
// true: a new setting without a row fails here.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("env"), ",")
		if !strings.Contains(string(readme), "`"+Prefix+name+"`") {
			t.Errorf("README.md has no row for %s%s", Prefix, name)
		}
	}
}
