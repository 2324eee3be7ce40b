package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Flags holds the command-line flags made from Config's fields: one flag per
// variable, --listen for MONSYS_LISTEN and so on. Help shows the built-in
// default and the variable's name; secrets never show a value.
type Flags struct {
	set *pflag.FlagSet
}

// RegisterFlags adds a flag for every Config field to fs.
func RegisterFlags(fs *pflag.FlagSet) *Flags {
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, def, usage := flagSpec(f)
		switch f.Type {
		case reflect.TypeFor[string]():
			fs.String(name, def, usage)
		case reflect.TypeFor[bool]():
			fs.Bool(name, def == "true", usage)
		case reflect.TypeFor[time.Duration]():
			d, _ := time.ParseDuration(def) // defaults are literals in this file's package
			fs.Duration(name, d, usage)
		case reflect.TypeFor[int](), reflect.TypeFor[int32]():
			var n int
			_, _ = fmt.Sscan(def, &n) // empty default stays 0
			fs.Int(name, n, usage)
		default:
			panic("config: no flag type for field " + f.Name)
		}
	}
	return &Flags{set: fs}
}

func flagSpec(f reflect.StructField) (name, def, usage string) {
	envName, _, _ := strings.Cut(f.Tag.Get("env"), ",")
	name = strings.ToLower(strings.ReplaceAll(envName, "_", "-"))
	def = f.Tag.Get("envDefault")
	usage = fmt.Sprintf("%s (%s%s)", f.Tag.Get("help"), Prefix, envName)
	return name, def, usage
}

// Apply copies the flags given on the command line over cfg, so a flag
// beats the environment, which beats the default.
func (fl *Flags) Apply(cfg *Config) error {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := flagSpec(t.Field(i))
		flag := fl.set.Lookup(name)
		if flag == nil || !flag.Changed {
			continue
		}
		field := v.Field(i)
		var err error
		switch field.Kind() {
		case reflect.String:
			field.SetString(flag.Value.String())
		case reflect.Bool:
			var b bool
			b, err = fl.set.GetBool(name)
			field.SetBool(b)
		case reflect.Int, reflect.Int32, reflect.Int64:
			if field.Type() == reflect.TypeFor[time.Duration]() {
				var d time.Duration
				d, err = fl.set.GetDuration(name)
				field.SetInt(int64(d))
			} else {
				var n int
				n, err = fl.set.GetInt(name)
				field.SetInt(int64(n))
			}
		}
		if err != nil {
			return fmt.Errorf("flag --%s: %w", name, err)
		}
	}
	return nil
}
