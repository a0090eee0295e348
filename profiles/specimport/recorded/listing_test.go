package recorded

import (
	"strings"
	"testing"
)

func TestFindListing(t *testing.T) {
	for _, tc := range []struct {
		name, body, records, key, why string
		fields                        []string
	}{
		{"top-level array", `[{"id":1},{"id":2}]`, ".", "id", "", nil},
		{"envelope", `{"data":[{"uuid":"a"},{"uuid":"b"}],"has_more":true,"meta":{"next_cursor":"x","total":9}}`, ".data", "uuid", "",
			[]string{".has_more:boolean", ".meta.next_cursor:string", ".meta.total:integer"}},
		{"largest array wins", `{"tags":[{"n":1}],"result":{"items":[{"item_id":1},{"item_id":2}]}}`, ".result.items", "item_id", "", nil},
		{"odd key", `{"@odata.nextLink":"u","value":[{"Id":"1"}]}`, ".value", "Id", "", []string{`.["@odata.nextLink"]:string`}},
		{"ids repeat: no key", `[{"id":1},{"id":1}]`, ".", "", "", nil},
		{"BOM", "\ufeff[{\"id\":1}]", ".", "id", "", nil},
		{"not JSON", `<html>`, "", "", "is not JSON", nil},
		{"scalars", `[1,2]`, "", "", "not of objects", nil},
		{"no array", `{"ok":true}`, "", "", "holds no array", nil},
		{"empty", ``, "", "", "is empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, why := findListing([]byte(tc.body))
			if tc.why != "" {
				if l != nil || !strings.Contains(why, tc.why) {
					t.Fatalf("got %+v %q, want %q", l, why, tc.why)
				}
				return
			}
			if l == nil || l.records != tc.records || l.primaryKey != tc.key {
				t.Fatalf("got %+v (%s), want records %s key %s", l, why, tc.records, tc.key)
			}
			if tc.fields != nil {
				var got []string
				for _, f := range l.fields {
					got = append(got, f.Path+":"+f.Type)
				}
				if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
					t.Errorf("fields %v, want %v", got, tc.fields)
				}
			}
		})
	}
}

func TestShellQuoting(t *testing.T) {
	got := Text{{Lit: "it's "}, {Var: "TOKEN"}, {Lit: "$(x)"}}.shell()
	want := `'it'\''s '"${TOKEN}"'$(x)'`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
