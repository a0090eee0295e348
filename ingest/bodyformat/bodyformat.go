// Package bodyformat turns XML, CSV and TSV response bodies into the JSON
// the rest of siphon reads, as a stream: a large export is converted as it
// arrives, in flat memory, and the records then come out of the JSON
// scanner like any API's.
//
// XML: an element is a key, its repeated children an array, an attribute
// "@name", text beside attributes or children "#text", namespaces dropped.
// No external entity is ever fetched and no entity is expanded beyond XML's
// five, so an entity bomb cannot grow.
//
// CSV and TSV: the header row gives the keys, every value is a string.
package bodyformat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// pipe runs convert in a goroutine writing JSON into a pipe, and returns
// the pipe's reading end. Closing it stops the conversion.
func pipe(convert func(w *bufio.Writer) error) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 32<<10)
		err := convert(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// stringWriter writes JSON strings with the bytes as sent (no HTML escaping).
type stringWriter struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newStringWriter() *stringWriter {
	sw := &stringWriter{}
	sw.enc = json.NewEncoder(&sw.buf)
	sw.enc.SetEscapeHTML(false)
	return sw
}

// write writes s as a JSON string to w.
func (sw *stringWriter) write(w interface{ Write([]byte) (int, error) }, s string) {
	sw.buf.Reset()
	sw.enc.Encode(s) // a string always encodes
	w.Write(bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n")))
}
