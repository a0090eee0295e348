package schema

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const orderSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["id", "amount", "email"],
  "properties": {
    "id": {"type": "integer", "maximum": 9007199254740992},
    "amount": {"type": "number", "minimum": 0},
    "email": {"type": "string"},
    "status": {"enum": ["paid", "open"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$", "maxLength": 3},
    "customer": {
      "type": "object",
      "properties": {"country": {"type": "string"}},
      "required": ["country"]
    },
    "ref": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "a/b": {"type": "boolean"},
    "alt": {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    "one": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    "rate": {"exclusiveMaximum": 0.5, "multipleOf": 0.1}
  }
}`

// writeFile writes content into a fresh temp folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, schema string) *Validator {
	t.Helper()
	v, err := LoadValidator(writeFile(t, "schema.json", schema))
	if err != nil {
		t.Fatalf("LoadValidator: %v", err)
	}
	return v
}

func TestValidate(t *testing.T) {
	v := mustLoad(t, orderSchema)
	tests := []struct {
		name       string
		rec        string
		wantReason string // "" when valid
		wantPaths  []string
	}{
		{name: "valid", rec: `{"id":1,"amount":9.5,"email":"a@b.c","status":"paid","customer":{"country":"SE"},"ref":null,"tags":["x"]}`},
		{name: "big integer within maximum", rec: `{"id":9007199254740992,"amount":0,"email":"e"}`},
		{
			name:       "big integer just past maximum",
			rec:        `{"id":9007199254740993,"amount":0,"email":"e"}`,
			wantReason: "/id: must be <= 9007199254740992, got 9007199254740993",
			wantPaths:  []string{"/id"},
		},
		{
			name:       "wrong type and missing field",
			rec:        `{"id":1,"amount":"12.50"}`,
			wantReason: "/amount: got string, want number; /email: missing",
			wantPaths:  []string{"/amount", "/email"},
		},
		{
			name:       "float where integer wanted",
			rec:        `{"id":1.5,"amount":1,"email":"e"}`,
			wantReason: "/id: got number, want integer",
			wantPaths:  []string{"/id"},
		},
		{
			name:       "enum",
			rec:        `{"id":1,"amount":1,"email":"e","status":"lost"}`,
			wantReason: "/status: value must be one of 'paid', 'open'",
			wantPaths:  []string{"/status"},
		},
		{
			name:       "minimum",
			rec:        `{"id":1,"amount":-1,"email":"e"}`,
			wantReason: "/amount: must be >= 0, got -1",
			wantPaths:  []string{"/amount"},
		},
		{
			name:       "pattern and length on one field",
			rec:        `{"id":1,"amount":1,"email":"e","code":"abcd"}`,
			wantReason: "/code: maxLength: got 4, want 3; /code: 'abcd' does not match pattern '^[A-Z]{3}$'",
			wantPaths:  []string{"/code"},
		},
		{
			name:       "nested missing and wrong",
			rec:        `{"id":1,"amount":1,"email":"e","customer":{"city":"Oslo"},"tags":["a",2]}`,
			wantReason: "/customer/country: missing; /tags/1: got number, want string",
			wantPaths:  []string{"/customer/country", "/tags/1"},
		},
		{
			name:       "anyOf",
			rec:        `{"id":1,"amount":1,"email":"e","ref":5}`,
			wantReason: "/ref: matches no anyOf alternative (got number, want string | got number, want null)",
			wantPaths:  []string{"/ref"},
		},
		{
			name:       "anyOf over objects",
			rec:        `{"id":1,"amount":1,"email":"e","alt":{"x":1}}`,
			wantReason: "/alt: matches no anyOf alternative",
			wantPaths:  []string{"/alt"},
		},
		{
			name:       "oneOf matching two",
			rec:        `{"id":1,"amount":1,"email":"e","one":2}`,
			wantReason: "/one: 'oneOf' failed, subschemas 0, 1 matched",
			wantPaths:  []string{"/one"},
		},
		{
			name:       "oneOf matching none",
			rec:        `{"id":1,"amount":1,"email":"e","one":"2"}`,
			wantReason: "/one: matches no oneOf alternative (got string, want number | got string, want integer)",
			wantPaths:  []string{"/one"},
		},
		{
			name:       "decimal bounds are exact",
			rec:        `{"id":1,"amount":1,"email":"e","rate":0.55}`,
			wantReason: "/rate: must be < 0.5, got 0.55; /rate: must be a multiple of 0.1, got 0.55",
			wantPaths:  []string{"/rate"},
		},
		{
			name:       "key with a slash is escaped",
			rec:        `{"id":1,"amount":1,"email":"e","a/b":"yes"}`,
			wantReason: "/a~1b: got string, want boolean",
			wantPaths:  []string{"/a~1b"},
		},
		{
			name:       "not an object",
			rec:        `[1,2]`,
			wantReason: "(root): got array, want object",
			wantPaths:  []string{""},
		},
		{
			name:       "not JSON",
			rec:        `{"id":`,
			wantReason: "(root): not valid JSON: unexpected EOF",
			wantPaths:  []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason, paths := v.Validate(json.RawMessage(tt.rec))
			if ok != (tt.wantReason == "") {
				t.Fatalf("ok = %v, reason %q", ok, reason)
			}
			if reason != tt.wantReason {
				t.Errorf("reason\n got %q\nwant %q", reason, tt.wantReason)
			}
			if !slices.Equal(paths, tt.wantPaths) {
				t.Errorf("paths = %q, want %q", paths, tt.wantPaths)
			}
		})
	}
}

func TestValidateAdditionalProperties(t *testing.T) {
	v := mustLoad(t, `{"type":"object","properties":{"id":{}},"additionalProperties":false}`)
	ok, reason, paths := v.Validate(json.RawMessage(`{"id":1,"zz":2,"extra":3}`))
	if ok || reason != "/extra: not allowed; /zz: not allowed" || !slices.Equal(paths, []string{"/extra", "/zz"}) {
		t.Errorf("got %v %q %q", ok, reason, paths)
	}
}

// Without "$schema", integers bigger than any float64 still validate exactly.
func TestValidateHugeInteger(t *testing.T) {
	v := mustLoad(t, `{"properties":{"n":{"type":"integer","multipleOf":2}}}`)
	for rec, want := range map[string]bool{
		`{"n":123456789012345678901234567890}`: true,
		`{"n":123456789012345678901234567891}`: false,
	} {
		if ok, reason, _ := v.Validate(json.RawMessage(rec)); ok != want {
			t.Errorf("Validate(%s) = %v (%s), want %v", rec, ok, reason, want)
		}
	}
}

func TestLoadValidatorRef(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "money.json"), []byte(`{"type":"number"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "order #1.json")
	if err := os.WriteFile(main, []byte(`{"properties":{"amount":{"$ref":"money.json"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := LoadValidator(main)
	if err != nil {
		t.Fatal(err)
	}
	if ok, reason, _ := v.Validate(json.RawMessage(`{"amount":"x"}`)); ok || reason != "/amount: got string, want number" {
		t.Errorf("got %v %q", ok, reason)
	}
}

func TestLoadValidatorErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string // "" means: no file at all
		want    []string
	}{
		{"missing file", "", []string{"schema file ", "nope.json: ", "no such file"}},
		{"bad JSON", "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}", []string{"schema.json:3:18: not valid JSON: invalid character ','"}},
		{"truncated JSON", `{"type":`, []string{"schema.json: not valid JSON: unexpected EOF"}},
		{"data after the schema", "{}\n{}", []string{"schema.json:2:1: not valid JSON: more data after the schema"}},
		{"unknown type", `{"properties":{"amount":{"type":"nmber"}}}`, []string{"schema.json: not a valid JSON Schema: /properties/amount/type: matches no anyOf alternative (value must be one of 'array',"}},
		{"bad pattern", `{"pattern":"("}`, []string{"schema.json: ", "pattern"}},
		{"unresolvable ref", `{"$ref":"#/$defs/none"}`, []string{"schema.json: ", "$defs/none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nope.json")
			if tt.content != "" {
				path = writeFile(t, "schema.json", tt.content)
			}
			v, err := LoadValidator(path)
			if err == nil {
				t.Fatalf("LoadValidator succeeded: %v", v)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans lines", msg)
			}
		})
	}
}

func TestLoadValidatorMissingFileIsNotExist(t *testing.T) {
	_, err := LoadValidator(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v is not fs.ErrNotExist", err)
	}
}

func TestCountsAdd(t *testing.T) {
	c := Counts{}
	c.Add([]string{"/amount", "/email"})
	c.Add([]string{"/amount"})
	c.Add(nil)
	want := Counts{"/amount": 2, "/email": 1}
	if len(c) != len(want) || c["/amount"] != 2 || c["/email"] != 1 {
		t.Errorf("counts = %v, want %v", c, want)
	}
}
