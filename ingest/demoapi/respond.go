package demoapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// errorBody is every JSON error the API sends.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
	Param  string `json:"param,omitempty"`
}

// writeError answers with a JSON error. It is off the hot path, so it may
// use encoding/json, which escapes whatever the client sent.
func writeError(w http.ResponseWriter, status int, msg, param string) {
	body := marshalPlain(errorBody{Error: msg, Status: status, Param: param})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshalPlain encodes v as JSON with a trailing newline, leaving &, < and >
// as they are: these bodies are read by programs, not embedded in HTML.
func marshalPlain(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and ints only: cannot fail
	return b.Bytes()
}

// newPage allocates one buffer big enough for prefix, the records joined by
// commas and extra bytes of tail, and fills in all but the tail.
func newPage(prefix string, recs [][]byte, extra int) []byte {
	size := len(prefix) + len(recs) + extra
	for _, r := range recs {
		size += len(r)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, prefix...)
	return appendJoined(buf, recs)
}

func appendJoined(buf []byte, recs [][]byte) []byte {
	for i, r := range recs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, r...)
	}
	return buf
}

// appendJSONString appends s as a JSON string. Cursors and URLs are plain
// ASCII, so the common case is a copy; anything else goes through encoding/json.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return append(buf, bytes.TrimSuffix(marshalPlain(s), []byte("\n"))...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// window returns up to n records starting at index start.
func window(recs [][]byte, start, n int) [][]byte {
	if start < 0 || start >= len(recs) {
		return nil
	}
	return recs[start : start+min(n, len(recs)-start)]
}
