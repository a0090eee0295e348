package bodyformat

import (
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"testing"
)

func convert(t *testing.T, rc io.ReadCloser) (string, error) {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func TestXML(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"listing", `<?xml version="1.0"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>a.txt</Key><Size>3</Size></Contents>
  <Contents><Key>b &amp; c.txt</Key><Size>4</Size></Contents>
  <NextContinuationToken>tok</NextContinuationToken>
</ListBucketResult>`,
			`{"ListBucketResult":{"Name":"b","IsTruncated":"true","Contents":[{"Key":"a.txt","Size":"3"},{"Key":"b & c.txt","Size":"4"}],"NextContinuationToken":"tok"}}`},
		{"one child is no array", `<r><item><id>1</id></item></r>`, `{"r":{"item":{"id":"1"}}}`},
		{"attributes and text", `<r><a x="1" ns:y="2">hi</a><b/></r>`, `{"r":{"a":{"@x":"1","@y":"2","#text":"hi"},"b":""}}`},
		{"mixed content", `<p>Hello <b>you</b> there</p>`, `{"p":{"b":"you","#text":"Hello  there"}}`},
		{"namespaces dropped", `<a:r xmlns:a="urn:x"><a:i>1</a:i><a:i>2</a:i></a:r>`, `{"r":{"i":["1","2"]}}`},
		{"cdata and escapes", `<r><s><![CDATA[<not a tag> "q"]]></s></r>`, `{"r":{"s":"<not a tag> \"q\""}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := convert(t, XML(strings.NewReader(c.in)))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

func TestXMLRefuses(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"entity bomb", `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>`, "invalid character entity &b;"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`, "invalid character entity &x;"},
		{"truncated", `<r><a>1</a>`, "ends before the document does"},
		{"malformed", "<r>\n<a></b></r>", "line 2"},
		{"repeat after another", `<r><a>1</a><b>2</b><a>3</a></r>`, "<a> in <r> comes back after other elements"},
		{"empty", ``, "no root element"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := convert(t, XML(strings.NewReader(c.in)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestCSV(t *testing.T) {
	cases := []struct {
		name  string
		comma rune
		in    string
		want  string
	}{
		{"plain", ',', "id,name\n1,Ann\n2,Bo\n", `[{"id":"1","name":"Ann"},{"id":"2","name":"Bo"}]`},
		{"BOM and CRLF", ',', "\ufeffid,name\r\n1,Ann\r\n", `[{"id":"1","name":"Ann"}]`},
		{"quotes and newlines", ',', "id,note\n1,\"a, \"\"b\"\"\nc\"\n", `[{"id":"1","note":"a, \"b\"\nc"}]`},
		{"ragged", ',', "a,b,c\n1\n1,2,3,4\n", `[{"a":"1"},{"a":"1","b":"2","c":"3","column_4":"4"}]`},
		{"header repeated inside", ',', "a,b\n1,2\na,b\n3,4\n", `[{"a":"1","b":"2"},{"a":"3","b":"4"}]`},
		{"duplicate and empty names", ',', "a,a,\n1,2,3\n", `[{"a":"1","a_2":"2","column_3":"3"}]`},
		{"tsv", '\t', "id\tname\n1\tA \"q\"\n", `[{"id":"1","name":"A \"q\""}]`},
		{"no rows", ',', "id,name\n", `[]`},
		{"nothing", ',', "", `[]`},
		{"html and unicode kept", ',', "v\n<b>&é\n", `[{"v":"<b>&é"}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := convert(t, CSV(strings.NewReader(c.in), c.comma))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	if _, err := convert(t, CSV(strings.NewReader("a,b\n1,\"2\n"), ',')); err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("an unclosed quote: %v", err)
	}
}

// endless yields rows (or elements) for ever.
type endless struct {
	head, row string
	sent      bool
	buf       []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if !e.sent {
		e.sent = true
		e.buf = append(e.buf, e.head...)
	}
	for len(e.buf) < len(p) {
		e.buf = append(e.buf, e.row...)
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}

// TestLargeBodiesStreamInFlatMemory: 12 MB of rows or elements go through
// with the live heap not growing with what was read, and closing the reader
// stops the conversion.
func TestLargeBodiesStreamInFlatMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("measures the heap; run without -race")
	}
	for name, open := range map[string]func() io.ReadCloser{
		"csv": func() io.ReadCloser {
			return CSV(&endless{head: "id,name,note\n", row: "12345,someone,\"a note, quoted\"\n"}, ',')
		},
		"xml": func() io.ReadCloser {
			return XML(&endless{head: "<export><rows>", row: "<row><id>12345</id><name>someone</name></row>"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			rc := open()
			buf := make([]byte, 64<<10)
			var read int
			var first, peak uint64
			for read < 12<<20 {
				n, err := rc.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				read += n
				if read%(2<<20) < len(buf) {
					var ms runtime.MemStats
					runtime.GC() // what is live, not what awaits collection
					runtime.ReadMemStats(&ms)
					if first == 0 {
						first = ms.HeapInuse
					}
					peak = max(peak, ms.HeapInuse)
				}
			}
			rc.Close()
			t.Logf("live heap %.1f MiB after 2 MB, at most %.1f MiB up to 12 MB", float64(first)/(1<<20), float64(peak)/(1<<20))
			if peak > first+4<<20 {
				t.Errorf("the live heap grew from %d to %d MiB with what was read", first>>20, peak>>20)
			}
		})
	}
}
