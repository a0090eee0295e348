package bodyformat

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"mime"
	"strings"
	"testing"

	"siphon/ingest/bodybound"
)

func gzipped(t *testing.T, name string, parts ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Name = name
	for _, p := range parts {
		z.Write(p)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipped(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, f := range files {
		w, err := z.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOf(t *testing.T) {
	for ctype, want := range map[string]string{
		"application/xml": FormatXML, "text/xml; charset=utf-8": FormatXML, "application/atom+xml": FormatXML,
		"text/csv; header=present": FormatCSV, "text/tab-separated-values": FormatTSV,
		"application/x-ndjson": FormatNDJSON, "application/jsonl": FormatNDJSON,
		"application/json": "", "": "", "text/plain": "", "application/xhtml": "",
	} {
		if got := Of(ctype); got != want {
			t.Errorf("Of(%q) = %q, want %q", ctype, got, want)
		}
	}
}

// TestOpen: what a body is read as, from the profile's format, the
// Content-Type, a packed file's name or first byte; the JSON that comes out.
func TestOpen(t *testing.T) {
	csvBody := "id,name\r\n1,Ann\r\n2,\"B, o\"\r\n"
	csvJSON := `[{"id":"1","name":"Ann"},{"id":"2","name":"B, o"}]`
	xmlBody := `<r><i><id>1</id></i><i><id>2</id></i></r>`
	xmlJSON := `{"r":{"i":[{"id":"1"},{"id":"2"}]}}`
	cases := []struct {
		name, format, ctype string
		body                []byte
		want, read, packed  string
	}{
		{"json as it is", "", "application/json", []byte(`{"a":1}`), `{"a":1}`, FormatJSON, ""},
		{"csv by type", "", "text/csv", []byte(csvBody), csvJSON, FormatCSV, ""},
		{"xml by type", "", "application/xml", []byte(xmlBody), xmlJSON, FormatXML, ""},
		{"the profile's format wins", "csv", "text/plain", []byte(csvBody), csvJSON, FormatCSV, ""},
		{"json said, xml type", "json", "application/xml", []byte(`{"a":1}`), `{"a":1}`, FormatJSON, ""},
		{"gzip file by type, name says csv", "", "application/gzip", gzipped(t, "orders.csv", []byte(csvBody)), csvJSON, FormatCSV, "gzip"},
		{"gzip file by magic, first byte says xml", "", "application/octet-stream", gzipped(t, "", []byte(xmlBody)), xmlJSON, FormatXML, "gzip"},
		{"gzip file of json", "", "application/gzip", gzipped(t, "", []byte(`[{"a":1}]`)), `[{"a":1}]`, FormatJSON, "gzip"},
		{"gzip file, profile says tsv", "tsv", "application/gzip", gzipped(t, "", []byte("a\tb\n1\t2\n")), `[{"a":"1","b":"2"}]`, FormatTSV, "gzip"},
		{"zip of one csv", "", "application/zip", zipped(t, [2]string{"export/orders.csv", csvBody}), csvJSON, FormatCSV, "zip"},
		{"zip by magic", "", "", zipped(t, [2]string{"r.xml", xmlBody}), xmlJSON, FormatXML, "zip"},
		{"zip of csv parts: concatenated, repeated headers dropped", "", "application/zip",
			zipped(t, [2]string{"dir/", ""}, [2]string{"__MACOSX/._a.csv", "junk"}, [2]string{"a.csv", "id,name\n1,Ann"}, [2]string{"b.csv", "id,name\n2,Bo\n"}),
			`[{"id":"1","name":"Ann"},{"id":"2","name":"Bo"}]`, FormatCSV, "zip"},
		{"zip of ndjson parts", "", "application/zip", zipped(t, [2]string{"a.ndjson", `{"a":1}`}, [2]string{"b.ndjson", `{"a":2}` + "\n"}), "{\"a\":1}\n{\"a\":2}\n", FormatNDJSON, "zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, err := Open(bytes.NewReader(c.body), Options{Format: c.format, ContentType: c.ctype})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			got, err := io.ReadAll(op)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want || op.Format != c.read || op.Packed != c.packed {
				t.Errorf("got %s as %q (packed %q), want %s as %q (packed %q)", got, op.Format, op.Packed, c.want, c.read, c.packed)
			}
		})
	}
}

// TestOpenRefuses: packed files that do not unpack, or unpack past the
// bounds, and bodies that do not convert, fail with errors that say so.
func TestOpenRefuses(t *testing.T) {
	// Bombs of 16 MiB, compressed once a MiB and repeated: gzip reads
	// members one after another, and a zip's members are read as one body.
	mib := gzipped(t, "x.json", bytes.Repeat([]byte{' '}, 1<<20))
	gzBomb := bytes.Repeat(mib, 16)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	var raw bytes.Buffer
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	fw.Write(bytes.Repeat([]byte{' '}, 1<<20))
	fw.Close()
	for i := range 16 {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("part-%02d.json", i), Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(bytes.Repeat([]byte{' '}, 1<<20)), CompressedSize64: uint64(raw.Len()), UncompressedSize64: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw.Bytes())
	}
	zw.Close()
	cases := []struct {
		name, ctype string
		body        []byte
		limit       int64
		want        string
		bound       bool
	}{
		{"gzip bomb", "application/gzip", gzBomb, 1 << 40, "gzip file unpacked to more than 100 times its size", true},
		{"gzip past max_body_unpacked", "application/gzip", gzBomb, 4 << 20, "larger than max_body_unpacked (4MiB)", true},
		{"zip bomb", "application/zip", zb.Bytes(), 1 << 40, "zip file unpacked to more than 100 times its size", true},
		{"broken gzip", "application/gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}, 1 << 40, "gzip file does not unpack", false},
		{"broken zip", "application/zip", []byte("PK\x03\x04 not really"), 1 << 40, "zip file that does not open", false},
		{"empty zip", "application/zip", zipped(t), 1 << 40, "zip file with no file in it", false},
		{"xml entity bomb", "application/xml", []byte(`<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>`), 1 << 40, "invalid character entity &b;", false},
		{"xml external entity", "text/xml", []byte(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`), 1 << 40, "invalid character entity &x;", false},
		{"csv unclosed quote", "text/csv", []byte("a,b\n1,\"2\n"), 1 << 40, "CSV body, line 2", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, err := Open(bytes.NewReader(c.body), Options{ContentType: c.ctype, MaxUnpacked: c.limit})
			if err == nil {
				_, err = io.Copy(io.Discard, op)
				op.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			var le *bodybound.LimitError
			var fe *Error
			if c.bound != errors.As(err, &le) {
				t.Errorf("a bound: %v, want %v (%T)", !c.bound, c.bound, err)
			}
			if c.ctype == "text/csv" || strings.HasPrefix(c.name, "xml") {
				if !errors.As(err, &fe) {
					t.Errorf("a conversion error is no *Error: %T", err)
				}
			}
		})
	}
}

// TestBytes: a saved page converted whole, within a limit.
func TestBytes(t *testing.T) {
	out, format, converted, err := Bytes([]byte("a\n1\n"), Options{ContentType: "text/csv"}, 100)
	if err != nil || string(out) != `[{"a":"1"}]` || format != FormatCSV || !converted {
		t.Fatalf("got %s %q %v %v", out, format, converted, err)
	}
	in := []byte(`{"a":1}`)
	if out, _, converted, err := Bytes(in, Options{}, 1); err != nil || converted || &out[0] != &in[0] {
		t.Fatalf("JSON is not handed back as it is: %s %v %v", out, converted, err)
	}
	if _, _, _, err := Bytes([]byte("a\n1\n2\n3\n"), Options{ContentType: "text/csv"}, 10); err == nil {
		t.Fatal("no error past the limit")
	}
}

// trickle hands out its bytes a few at a time, with an empty read between,
// and ends with err (EOF when nil): as a slow network body does.
type trickle struct {
	data  []byte
	err   error
	empty bool
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.empty = !r.empty; r.empty {
		return 0, nil
	}
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 3)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// peekable is a trickle read through a bufio.Reader-like Peek.
type peekable struct {
	*bufio.Reader
}

// TestOpenReadsWhatItPeeked: a body opens to the same bytes and format
// whether it is a Peeker or not, however it trickles in, including bodies
// shorter than the peek, packed ones, and one that breaks.
func TestOpenReadsWhatItPeeked(t *testing.T) {
	broken := errors.New("connection reset")
	bodies := []struct {
		name  string
		body  []byte
		ctype string
		err   error
	}{
		{"json", []byte(`{"data":[{"id":1},{"id":2}]}`), "application/json", nil},
		{"empty", nil, "application/json", nil},
		{"two bytes", []byte("[]"), "", nil},
		{"ndjson", []byte("{\"id\":1}\n{\"id\":2}\n"), "application/x-ndjson", nil},
		{"csv", []byte("id,name\n1,a\n"), "text/csv", nil},
		{"gzip by its bytes", gzipped(t, "rows.json", []byte(`[{"id":1}]`)), "application/octet-stream", nil},
		{"broken", []byte(`{"data":[{"id"`), "application/json", broken},
		{"broken at once", nil, "application/json", broken},
	}
	for _, b := range bodies {
		t.Run(b.name, func(t *testing.T) {
			var outs []string
			for _, peeker := range []bool{false, true} {
				var r io.Reader = &trickle{data: b.body, err: b.err}
				if peeker {
					r = peekable{bufio.NewReaderSize(r, 16)}
				}
				op, err := Open(r, Options{ContentType: b.ctype})
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(op)
				op.Close()
				if !errors.Is(err, b.err) {
					t.Errorf("peeker %v: error %v, want %v", peeker, err, b.err)
				}
				outs = append(outs, fmt.Sprintf("%s %s %v %q", op.Format, op.Packed, op.Converted, got))
			}
			if outs[0] != outs[1] {
				t.Errorf("read through its own peek: %s\nread as a Peeker:      %s", outs[0], outs[1])
			}
			if b.err == nil && b.ctype != "text/csv" && !strings.Contains(b.name, "gzip") && !strings.Contains(outs[0], fmt.Sprintf("%q", b.body)) {
				t.Errorf("read %s, want the body as it came", outs[0])
			}
		})
	}
}

// TestMediaTypeIsParseMediaType: the remembered media type is what mime
// says, whichever Content-Type was asked before.
func TestMediaTypeIsParseMediaType(t *testing.T) {
	ctypes := []string{"application/json", "Application/JSON; charset=utf-8", "text/csv; a=1; a=2", "text/xml;", "",
		"not a type", "application/json", "text/csv; header=present", "application/json"}
	for _, c := range ctypes {
		want, _, _ := mime.ParseMediaType(c)
		if got := mediaType(c); got != want {
			t.Errorf("mediaType(%q) = %q, want %q", c, got, want)
		}
	}
}
