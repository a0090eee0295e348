package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/spec"
)

//go:generate go test -run TestGeneratedFiles -update .

// KeyTable is the Markdown table of every profile key, for docs/profiles.md.
func KeyTable() string {
	var b strings.Builder
	b.WriteString("| key | type | default | applies to | meaning |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range fieldTable {
		meaning := f.doc
		switch f.secret {
		case secretRef:
			meaning += " Secret: only a `${VAR}` or `file:PATH` reference."
		case secretByName:
			meaning += " Entries named like credentials (`Authorization`, `Cookie`, `*token*`, `*key*`, `*secret*`, `*signature*`, `*password*`) only as references."
		case secretFromEnv:
			meaning += " Values of 8 or more characters it takes from the environment are redacted like secrets."
		}
		if f.missing != "" {
			meaning = "**Required.** " + meaning
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.key, cell(typeText(f)), cell(docDefault(f, true)), cell(appliesText(f)), cell(meaning))
	}
	return b.String()
}

// cell keeps a table cell in its column.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// typeText says what a key holds, for the docs.
func typeText(f *field) string {
	switch f.kind {
	case kSection:
		return "mapping"
	case kName:
		return "string, not empty"
	case kURL:
		return "http(s) URL"
	case kJQ:
		return "jq expression"
	case kEnum:
		return strings.Join(f.options, " | ")
	case kInt:
		return fmt.Sprintf("integer ≥ %d", f.min)
	case kNumber:
		return "number ≥ 0"
	case kBool:
		return "true | false"
	case kDuration:
		return "duration (`30s`, `250ms`)"
	case kSecret:
		return "`${VAR}` or `file:PATH`"
	case kFile:
		return "file path"
	case kList:
		return "list of strings"
	case kHosts:
		return "list of host or host:port"
	case kMap:
		return "mapping of string to string"
	case kValues:
		return "mapping of string to string or number"
	case kJSON:
		return "any YAML value"
	case kKeys:
		return "string or list of strings"
	case kStatuses:
		return "list of HTTP statuses"
	case kStart:
		return "integer or string"
	}
	return "string"
}

// appliesText names the types and grants a key belongs to, and whether
// they need it.
func appliesText(f *field) string {
	s := strings.Join(f.types, ", ")
	if f.grants != nil {
		s += " (grant " + strings.Join(f.grants, ", ") + ")"
	}
	owners := f.types
	if gf := grantKey(parentKey(f.key)); gf != nil && slices.Contains(f.types, gf.types[0]) {
		owners = gf.options // oauth2 keys are required by grant
		if f.grants != nil {
			owners = f.grants
		}
	}
	switch {
	case f.requiredFor == nil:
	case f.or != "":
		s += "; required for " + strings.Join(f.requiredFor, ", ") + " unless " + f.or + " is given"
	case slices.Equal(f.requiredFor, owners):
		s += ", required"
	default:
		s += "; required for " + strings.Join(f.requiredFor, ", ")
	}
	return s
}

// typedDefault is a default and the types it is for ("" for all).
type typedDefault struct{ value, typ string }

// docDefaults are a key's defaults as the docs show them: the table's own,
// else what spec.Config.ApplyDefaults gives it, per type where types
// differ. None for keys without one.
func docDefaults(f *field) []typedDefault {
	if f.def != "" {
		return []typedDefault{{value: f.def}}
	}
	if f.ptr == nil || f.kind == kSecret {
		return nil
	}
	types := f.types
	if types == nil {
		types = []string{""}
	}
	var out []typedDefault
	same := true
	for _, typ := range types {
		var c spec.Config
		if t := typeKey(parentKey(f.key)); t != nil && typ != "" {
			*t.ptr(&c).(*string) = typ
		}
		c.ApplyDefaults()
		v := defaultValue(&c, f)
		same = same && (len(out) == 0 || out[0].value == v)
		if v != "" {
			out = append(out, typedDefault{v, typ})
		}
	}
	if same && len(out) > 0 {
		return out[:1:1]
	}
	return out
}

// docDefault writes a key's defaults, with code marks when markdown.
func docDefault(f *field, markdown bool) string {
	var parts []string
	for _, d := range docDefaults(f) {
		v := d.value
		if markdown {
			v = "`" + v + "`"
		}
		if d.typ != "" && len(docDefaults(f)) > 1 {
			v += " (" + d.typ + ")"
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, ", ")
}

// defaultValue writes a key's value in c for the docs; "" for nothing.
func defaultValue(c *spec.Config, f *field) string {
	switch v := f.ptr(c).(type) {
	case *[]int:
		if len(*v) == 0 {
			return ""
		}
		s := make([]string, len(*v))
		for i, n := range *v {
			s[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(s, ", ") + "]"
	case *time.Duration:
		if *v == 0 {
			return "" // no limit, not "0s"
		}
		return fieldText(c, f)
	case *int:
		if *v == 0 && f.min >= 1 {
			return "" // 0 is no value of this key: unset, not a default
		}
		return fieldText(c, f)
	case *string, *float64, *bool:
		return fieldText(c, f)
	}
	return ""
}

// JSONSchema is docs/profile.schema.json: the profile format as a JSON
// Schema (draft 2020-12), so that editors complete and check profiles.
func JSONSchema() []byte {
	root := sectionSchema("")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["title"] = "siphon profile"
	root["description"] = "A siphon profile: one HTTP API to pull records from. Generated from the profiles package's field table; see docs/profiles.md."
	root["type"] = "object"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(root) // maps of plain values always encode
	return buf.Bytes()
}

// sectionSchema is the schema of the mapping of keys under sec.
func sectionSchema(sec string) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range children(sec) {
		props[leafKey(f.key)] = fieldSchema(f)
		if f.missing != "" {
			required = append(required, leafKey(f.key))
		}
	}
	s := map[string]any{"type": []string{"object", "null"}, "properties": props, "additionalProperties": false}
	if required != nil {
		s["required"] = required
	}
	if rules := typeRules(sec); rules != nil {
		s["allOf"] = rules
	}
	return s
}

// typeRules refuse the keys of other types and ask for those a type (or
// grant) needs.
func typeRules(sec string) []any {
	tf, gf := typeKey(sec), grantKey(sec)
	if tf == nil {
		return nil
	}
	typeName := leafKey(tf.key)
	var rules []any
	for _, typ := range tf.options {
		cond := map[string]any{"properties": map[string]any{typeName: map[string]any{"const": typ}}, "required": []string{typeName}}
		if typ == tf.def {
			cond = map[string]any{"anyOf": []any{cond, map[string]any{"not": map[string]any{"required": []string{typeName}}}}}
		}
		then := map[string]any{}
		banned := map[string]any{}
		var need []string
		for _, f := range children(sec) {
			switch {
			case f.types != nil && !slices.Contains(f.types, typ):
				banned[leafKey(f.key)] = false
			case slices.Contains(f.requiredFor, typ) && f.or != "":
				then["anyOf"] = []any{map[string]any{"required": []string{leafKey(f.key)}}, map[string]any{"required": []string{f.or}}}
			case slices.Contains(f.requiredFor, typ):
				need = append(need, leafKey(f.key))
			}
		}
		if len(banned) > 0 {
			then["properties"] = banned
		}
		if need != nil {
			then["required"] = need
		}
		if len(then) > 0 {
			rules = append(rules, map[string]any{"if": cond, "then": then})
		}
	}
	if gf == nil {
		return rules
	}
	grantName := leafKey(gf.key)
	for _, g := range gf.options {
		isGrant := map[string]any{"properties": map[string]any{grantName: map[string]any{"const": g}}, "required": []string{grantName}}
		if g == gf.def {
			isGrant = map[string]any{"anyOf": []any{isGrant, map[string]any{"not": map[string]any{"required": []string{grantName}}}}}
		}
		cond := map[string]any{"allOf": []any{
			map[string]any{"properties": map[string]any{typeName: map[string]any{"enum": gf.types}}, "required": []string{typeName}},
			isGrant,
		}}
		then := map[string]any{}
		banned := map[string]any{}
		var need []string
		for _, f := range children(sec) {
			switch {
			case f.grants != nil && !slices.Contains(f.grants, g):
				banned[leafKey(f.key)] = false
			case slices.Contains(f.requiredFor, g):
				need = append(need, leafKey(f.key))
			}
		}
		if len(banned) > 0 {
			then["properties"] = banned
		}
		if need != nil {
			then["required"] = need
		}
		rules = append(rules, map[string]any{"if": cond, "then": then})
	}
	return rules
}

// Patterns of the schema (ECMA-262 as well as RE2).
const (
	refPattern      = `^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|file:.+)$`
	urlPattern      = `^(https?://|\$\{)`
	durationPattern = `^(([0-9]*[.])?[0-9]+(ns|us|µs|ms|s|m|h))+$|\$\{`
)

// fieldSchema is the schema of one key. Null is allowed wherever the
// loader reads it as "not given".
func fieldSchema(f *field) map[string]any {
	var s map[string]any
	nullable := func(types ...string) []string { return append(types, "null") }
	switch f.kind {
	case kSection:
		s = sectionSchema(f.key)
	case kEnum:
		if f.caseless {
			s = map[string]any{"type": nullable("string"), "pattern": caselessPattern(f.options)}
		} else {
			opts := []any{}
			for _, o := range f.options {
				opts = append(opts, o)
			}
			s = map[string]any{"enum": append(opts, nil)}
		}
	case kInt:
		s = map[string]any{"type": nullable("integer"), "minimum": f.min}
	case kNumber:
		s = map[string]any{"type": nullable("number"), "minimum": 0}
	case kBool:
		s = map[string]any{"type": nullable("boolean")}
	case kDuration:
		s = map[string]any{"type": nullable("string"), "pattern": durationPattern}
	case kSecret:
		s = map[string]any{"type": nullable("string"), "pattern": refPattern}
	case kURL:
		s = map[string]any{"type": nullable("string"), "pattern": urlPattern}
	case kName, kJQ:
		s = map[string]any{"type": nullable("string"), "minLength": 1}
	case kList, kHosts:
		s = map[string]any{"type": nullable("array"), "items": map[string]any{"type": "string", "minLength": 1}}
	case kMap:
		s = map[string]any{"type": nullable("object"), "additionalProperties": map[string]any{"type": "string"}}
	case kValues:
		s = map[string]any{"type": nullable("object"), "additionalProperties": map[string]any{"type": []string{"string", "number", "boolean"}}}
	case kJSON:
		s = map[string]any{}
	case kKeys:
		s = map[string]any{"type": nullable("string", "array"), "minLength": 1, "items": map[string]any{"type": "string", "minLength": 1}}
	case kStatuses:
		s = map[string]any{"type": nullable("array"), "items": map[string]any{"type": "integer", "minimum": 100, "maximum": 599}}
	case kStart:
		s = map[string]any{"type": nullable("integer", "string")}
	default:
		s = map[string]any{"type": nullable("string")}
	}
	if f.pattern != "" {
		s["pattern"] = f.pattern
	}
	desc := f.doc
	if d := docDefault(f, false); d != "" {
		desc += " Default: " + d + "."
	}
	s["description"] = desc
	return s
}

// caselessPattern matches any of words in any case: [Gg][Ee][Tt].
func caselessPattern(words []string) string {
	alts := make([]string, len(words))
	for i, w := range words {
		var b strings.Builder
		for _, r := range w {
			lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
			if lo == up {
				b.WriteString(regexp.QuoteMeta(lo))
			} else {
				b.WriteString("[" + up + lo + "]")
			}
		}
		alts[i] = b.String()
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}
