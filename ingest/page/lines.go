package page

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"
	"unicode/utf8"
)

// DeclaresLines reports a content type that says NDJSON / JSON Lines.
func DeclaresLines(ctype string) bool {
	mt, _, _ := mime.ParseMediaType(ctype)
	return strings.Contains(mt, "ndjson") || strings.Contains(mt, "jsonl") || strings.Contains(mt, "json-seq") || strings.Contains(mt, "jsonlines")
}

// JSONLines turns a newline-delimited JSON body (NDJSON, JSON Lines: said
// so by the content type, or two or more lines that are each a JSON value
// while the whole is not) into one JSON array.
func JSONLines(body []byte, ctype string) ([]byte, bool) {
	declared := DeclaresLines(ctype)
	if !declared && (bytes.Count(bytes.TrimSpace(body), []byte("\n")) == 0 || json.Valid(body)) {
		return nil, false
	}
	var out bytes.Buffer
	out.WriteByte('[')
	n := 0
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\x1e"))) // json-seq record separator
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			return nil, false
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(line)
		n++
	}
	out.WriteByte(']')
	return out.Bytes(), n > 0 || declared
}

// NotJSON is why a body that does not parse is no JSON, in words: "the
// body is text/html, not JSON" when its content type says what it is.
func NotJSON(ctype string) string {
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "" && !strings.Contains(mt, "json") {
		return "the body is " + mt + ", not JSON"
	}
	return "the body is not valid JSON"
}

// FirstInvalidUTF8 is the offset of body's first byte that is not UTF-8,
// or -1 when it all is.
func FirstInvalidUTF8(body []byte) int {
	if utf8.Valid(body) {
		return -1
	}
	for i := 0; i < len(body); {
		c, size := utf8.DecodeRune(body[i:])
		if c == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(body)
}

// Usable readies a held 2xx body for reading: a byte-order mark (.NET) is
// dropped and an empty body (204 No Content) is a page with nothing on it
// (null). bad is the offset of the first byte that is not UTF-8 (-1: none),
// which fails the page.
func Usable(body []byte) (out []byte, bad int) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte("null"), -1
	}
	return body, FirstInvalidUTF8(body)
}
