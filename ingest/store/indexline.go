package store

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendIndexLine appends e's index line, newline included, byte for byte
// as encoding/json writes it (HTML left unescaped): every page of a run
// writes one, and reflection cost a tenth of a small page's time. false
// means e holds what only encoding/json writes (a restart's state, a time
// RFC 3339 cannot say); b is then as it was. keys is scratch space for the
// headers' names, returned for the next line.
func appendIndexLine(b []byte, e *PageEntry, keys []string) ([]byte, []string, bool) {
	if e.Position != nil && e.Position.Restart != nil {
		return b, keys, false
	}
	start := len(b)
	b = append(b, `{"page":`...)
	b = strconv.AppendInt(b, int64(e.Page), 10)
	b = append(b, `,"time":"`...)
	t, err := e.Time.AppendText(b)
	if err != nil {
		return b[:start], keys, false
	}
	b = append(t, `","method":`...)
	b = appendJSONString(b, e.Method)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, e.URL)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(e.Attempts), 10)
	b = append(b, `,"duration":`...)
	b = appendJSONString(b, e.Duration)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, `,"records":`...)
	b = strconv.AppendInt(b, int64(e.Records), 10)
	if e.CursorIn != "" {
		b = append(b, `,"cursor_in":`...)
		b = appendJSONString(b, e.CursorIn)
	}
	if e.CursorOut != "" {
		b = append(b, `,"cursor_out":`...)
		b = appendJSONString(b, e.CursorOut)
	}
	b = append(b, `,"file":`...)
	b = appendJSONString(b, e.File)
	if e.Offset != nil {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, *e.Offset, 10)
	}
	if e.Length != 0 {
		b = append(b, `,"length":`...)
		b = strconv.AppendInt(b, e.Length, 10)
	}
	if len(e.Headers) > 0 {
		keys = keys[:0]
		for k := range e.Headers {
			keys = append(keys, k)
		}
		slices.Sort(keys) // as encoding/json orders a map's keys
		b = append(b, `,"headers":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, e.Headers[k])
		}
		b = append(b, '}')
		clear(keys)
	}
	if p := e.Position; p != nil {
		b = append(b, `,"position":{`...)
		first := len(b)
		field := func(b []byte, name string) []byte {
			if len(b) > first {
				b = append(b, ',')
			}
			return append(append(append(b, '"'), name...), `":`...)
		}
		if p.Cursor != "" {
			b = field(b, "cursor")
			b = appendJSONString(b, p.Cursor)
		}
		if p.Offset != 0 {
			b = field(b, "offset")
			b = strconv.AppendInt(b, p.Offset, 10)
		}
		if p.Page != 0 {
			b = field(b, "page")
			b = strconv.AppendInt(b, int64(p.Page), 10)
		}
		if p.NextURL != "" {
			b = field(b, "next_url")
			b = appendJSONString(b, p.NextURL)
		}
		if p.HighWater != "" {
			b = field(b, "high_water")
			b = appendJSONString(b, p.HighWater)
		}
		if len(p.BoundaryKeys) > 0 {
			b = field(b, "boundary_keys")
			b = append(b, '[')
			for i, k := range p.BoundaryKeys {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, k)
			}
			b = append(b, ']')
		}
		if p.MaxPageSize != 0 {
			b = field(b, "max_page_size")
			b = strconv.AppendInt(b, int64(p.MaxPageSize), 10)
		}
		if p.Followed {
			b = field(b, "followed")
			b = append(b, "true"...)
		}
		b = append(b, '}')
	}
	return append(b, "}\n"...), keys, true
}

// appendJSONString appends s as encoding/json writes a string with HTML
// left unescaped: quotes, backslashes and control characters escaped,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 as escapes.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
