package explain

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Severities a rule may carry, least urgent first.
var severities = []string{"info", "warning", "critical"}

// Rule is one entry of the library.
type Rule struct {
	ID       string          `yaml:"id"`
	Category string          `yaml:"category"`
	Severity string          `yaml:"severity"`
	Match    string          `yaml:"match"`
	Sample   string          `yaml:"sample"`
	NearMiss string          `yaml:"near_miss"`
	Metrics  []string        `yaml:"metrics"`
	Text     map[string]Text `yaml:"text"` // by language code

	re *regexp.Regexp
}

// Text is a rule's explanation in one language; {name} stands for the
// match's named group.
type Text struct {
	Meaning string `yaml:"meaning"`
	Cause   string `yaml:"cause"`
	Action  string `yaml:"action"`
}

// Library is an ordered, validated set of rules.
type Library struct {
	rules []*Rule
	langs map[string]bool // languages every rule is written in
}

//go:embed rules.yaml
var shippedRules []byte

// Shipped is the library embedded in the hub. It is checked by the
// package's tests, so loading it cannot fail in a released binary.
func Shipped() *Library {
	lib, err := Parse(shippedRules)
	if err != nil {
		panic("explain: shipped rules: " + err.Error())
	}
	return lib
}

// Parse reads a library in rules.yaml's format and validates every rule:
// a unique id, a known severity, a pattern that compiles, matches its
// sample and not its near miss, English text, and placeholders that name
// the pattern's groups.
func Parse(data []byte) (*Library, error) {
	var rules []*Rule
	if err := yaml.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	lib := &Library{rules: rules}
	seen := map[string]bool{}
	var errs []error
	for i, r := range rules {
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i+1, r.ID, err))
			continue
		}
		if seen[r.ID] {
			errs = append(errs, fmt.Errorf("rule %d: id %q is used twice", i+1, r.ID))
		}
		seen[r.ID] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	lib.langs = commonLanguages(rules)
	return lib, nil
}

func (r *Rule) validate() error {
	switch {
	case r.ID == "":
		return errors.New("no id")
	case r.Category == "":
		return errors.New("no category")
	case !oneOf(r.Severity, severities):
		return fmt.Errorf("severity %q: want one of %s", r.Severity, strings.Join(severities, ", "))
	case r.Sample == "" || r.NearMiss == "":
		return errors.New("a rule needs a sample and a near miss")
	}
	re, err := regexp.Compile(r.Match)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	r.re = re
	if !re.MatchString(r.Sample) {
		return fmt.Errorf("match does not match its sample %q", r.Sample)
	}
	if re.MatchString(r.NearMiss) {
		return fmt.Errorf("match matches its near miss %q", r.NearMiss)
	}
	if _, ok := r.Text["en"]; !ok {
		return errors.New("no English text")
	}
	groups := map[string]bool{}
	for _, n := range re.SubexpNames() {
		groups[n] = n != ""
	}
	for lang, t := range r.Text {
		if t.Meaning == "" || t.Cause == "" || t.Action == "" {
			return fmt.Errorf("text %s: meaning, cause and action are all needed", lang)
		}
		for _, s := range []string{t.Meaning, t.Cause, t.Action} {
			for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
				if !groups[m[1]] {
					return fmt.Errorf("text %s: {%s} is no named group of match", lang, m[1])
				}
			}
		}
	}
	return nil
}

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

func commonLanguages(rules []*Rule) map[string]bool {
	langs := map[string]bool{}
	for l := range rules[0].Text {
		langs[l] = true
	}
	for _, r := range rules[1:] {
		for l := range langs {
			if _, ok := r.Text[l]; !ok {
				delete(langs, l)
			}
		}
	}
	return langs
}

// Len is the number of rules.
func (l *Library) Len() int { return len(l.rules) }

// Rules are the rules in the order they are tried.
func (l *Library) Rules() []*Rule { return l.rules }

// Speaks says whether every rule has text in lang.
func (l *Library) Speaks(lang string) bool { return l.langs[lang] }

// Languages are the languages every rule is written in.
func (l *Library) Languages() []string {
	out := make([]string, 0, len(l.langs))
	for lang := range l.langs {
		out = append(out, lang)
	}
	return out
}

// Match is a rule that matched a line, with its groups' values.
type Match struct {
	Rule   *Rule
	Groups map[string]string
}

// Find is the first rule matching line, or nil.
func (l *Library) Find(line string) *Match {
	for _, r := range l.rules {
		sub := r.re.FindStringSubmatch(line)
		if sub == nil {
			continue
		}
		groups := map[string]string{}
		for i, name := range r.re.SubexpNames() {
			if name != "" && sub[i] != "" {
				groups[name] = sub[i]
			}
		}
		return &Match{Rule: r, Groups: groups}
	}
	return nil
}

// Text is the match's explanation in lang (English when the rule has no
// text in lang), placeholders filled; a group that did not take part in
// the match reads as "?".
func (m *Match) Text(lang string) (Text, string) {
	t, ok := m.Rule.Text[lang]
	if !ok {
		lang = "en"
		t = m.Rule.Text["en"]
	}
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			if v, ok := m.Groups[p[1:len(p)-1]]; ok {
				return v
			}
			return "?"
		})
	}
	return Text{Meaning: fill(t.Meaning), Cause: fill(t.Cause), Action: fill(t.Action)}, lang
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
