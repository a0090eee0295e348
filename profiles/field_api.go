package profiles

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// FieldText is the value of a profile key in c, by its dotted path
// ("records", "pagination.cursor_path"), as text a profile could hold:
// numbers and durations as written, secrets as their references. Keys of
// lists, mappings and sections have no single text and are an error.
func FieldText(c *spec.Config, key string) (string, error) {
	f, err := scalarField(key)
	if err != nil {
		return "", err
	}
	return fieldText(c, f), nil
}

// SetField sets a profile key in c from text, by its dotted path, checked
// as l checks it ("pagination.limit" must be an integer, a jq expression
// must pass l.CheckExpr...). The text is the value itself: nothing in
// it is expanded. An empty text clears the key. Secrets cannot be set
// this way: they only come from references the loader resolves.
func (l Loader) SetField(c *spec.Config, key, text string) error {
	f, err := scalarField(key)
	if err != nil {
		return err
	}
	if f.kind == kSecret {
		return fmt.Errorf("%s: a secret is set by a ${VAR} or file:PATH reference in the profile", key)
	}
	return setField(c, f, text, l.CheckExpr)
}

// SelectorKeys are the pagination keys of a pagination type that the
// selector editor offers, those read from the response body first.
func SelectorKeys(style string) []string {
	var jq, rest []string
	for _, f := range fieldTable {
		if !f.selector || !f.appliesTo(style, "") {
			continue
		}
		if f.kind == kJQ {
			jq = append(jq, f.key)
		} else {
			rest = append(rest, f.key)
		}
	}
	return append(jq, rest...)
}

// scalarField finds a key that holds one value.
func scalarField(key string) (*field, error) {
	f := lookupField(key)
	if f == nil {
		known := make([]string, 0, len(fieldTable))
		for _, f := range fieldTable {
			known = append(known, f.key)
		}
		return nil, fmt.Errorf("%s: not a profile key%s", key, didYouMean(key, known))
	}
	switch {
	case f.kind == kSection, f.kind == kList, f.kind == kHosts, f.kind == kMap, f.kind == kValues,
		f.kind == kJSON, f.kind == kKeys, f.kind == kStatuses:
		return nil, fmt.Errorf("%s: not a single value", key)
	case f.ptr == nil:
		return nil, fmt.Errorf("%s: has no value of its own", key)
	}
	return f, nil
}

// fieldText writes a scalar key's value as text.
func fieldText(c *spec.Config, f *field) string {
	switch v := f.ptr(c).(type) {
	case *string:
		return *v
	case *int:
		return strconv.Itoa(*v)
	case *float64:
		return strconv.FormatFloat(*v, 'f', -1, 64)
	case *bool:
		return strconv.FormatBool(*v != f.negate)
	case *time.Duration:
		return shortDuration(*v)
	case *spec.Secret:
		return v.Ref()
	}
	return ""
}

// setField reads text as the loader would read the key, with the same
// checks and messages, and stores it in c.
func setField(c *spec.Config, f *field, text string, checkExpr func(string) error) error {
	if text == "" {
		clearField(c, f)
		return nil
	}
	n := scalarNode(escapeDollars(text))
	switch f.kind {
	case kText, kName, kURL, kJQ, kEnum, kFile, kStart:
		n.Tag, n.Style = "!!str", yaml.DoubleQuotedStyle
	}
	n.Line, n.Column = 1, 1
	d := newDecoder("", func(string) (string, bool) { return "", false }, true)
	d.checkExpr = checkExpr
	d.dir = "."
	p := &Profile{Config: *c, sensitive: map[string]string{}}
	e := entry{key: leafKey(f.key), keyNode: n, val: n, field: f.key}
	d.decodeField(f, e, p)
	if len(d.errs) > 0 {
		return fmt.Errorf("%s: %s", f.key, d.errs[0].Msg)
	}
	*c = p.Config
	return nil
}

// clearField sets a key back to the zero value.
func clearField(c *spec.Config, f *field) {
	switch v := f.ptr(c).(type) {
	case *string:
		*v = ""
	case *int:
		*v = 0
	case *float64:
		*v = 0
	case *bool:
		*v = false
	case *time.Duration:
		*v = 0
	case *spec.Secret:
		*v = spec.Secret{}
	case *[]string:
		*v = nil
	case *[]int:
		*v = nil
	case *map[string]string:
		*v = nil
	case *json.RawMessage:
		*v = nil
	}
}

// isZero reports whether a key holds nothing.
func isZero(c *spec.Config, f *field) bool {
	switch v := f.ptr(c).(type) {
	case *string:
		return *v == ""
	case *int:
		return *v == 0
	case *float64:
		return *v == 0
	case *bool:
		return !*v
	case *time.Duration:
		return *v == 0
	case *spec.Secret:
		return v.Ref() == ""
	case *[]string:
		return len(*v) == 0
	case *[]int:
		return len(*v) == 0
	case *map[string]string:
		return len(*v) == 0
	case *json.RawMessage:
		return *v == nil
	}
	return true
}
