package bodyformat

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSV returns the JSON array of the records of a CSV (comma ',') or TSV
// (comma '\t') body: one object per row, keyed by the header row, every
// value a string. A byte order mark is dropped; quoted fields may hold
// commas, quotes and newlines; CRLF and LF both end rows. A row with fewer
// fields than the header has only the keys it fills; a row with more puts
// the extra ones under column_N (N counts from 1). A row equal to the header
// (a header repeated inside the body) is no record. Empty or duplicate
// header names become column_N, and name_2, name_3...
func CSV(r io.Reader, comma rune) io.ReadCloser {
	return pipe(r, func(r io.Reader, w *bufio.Writer) error { return convertCSV(r, comma, w) })
}

func convertCSV(r io.Reader, comma rune, w *bufio.Writer) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // ragged rows are read, not refused
	cr.LazyQuotes = comma == '\t'
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		_, err = w.WriteString("[]")
		return err
	}
	if err != nil {
		return csvError(err)
	}
	header := append([]string(nil), head...)
	keys := headerKeys(header)
	sw := newStringWriter()
	w.WriteByte('[')
	first := true
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return csvError(err)
		}
		if sameRow(row, header) {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				w.WriteByte(',')
			}
			key := "column_" + strconv.Itoa(i+1)
			if i < len(keys) {
				key = keys[i]
			}
			sw.write(w, key)
			w.WriteByte(':')
			sw.write(w, v)
		}
		if err := w.WriteByte('}'); err != nil {
			return err // the reader was closed: stop reading the body
		}
	}
	_, err = w.WriteString("]")
	return err
}

// headerKeys makes the header's names usable as keys: an empty name is
// column_N, a repeated one name_2, name_3...
func headerKeys(header []string) []string {
	keys := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		k := strings.TrimSpace(h)
		if k == "" {
			k = "column_" + strconv.Itoa(i+1)
		}
		if n := seen[k]; n > 0 {
			seen[k] = n + 1
			k = fmt.Sprintf("%s_%d", k, n+1)
		} else {
			seen[k] = 1
		}
		keys[i] = k
	}
	return keys
}

func sameRow(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// csvError names the line of a malformed row.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("CSV body, line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("CSV body: %w", err)
}
