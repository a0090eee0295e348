package tui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
)

// Sequences a hostile API (or profile) sends to drive the terminal.
const (
	atkOSC52 = "\x1b]52;c;cm0gLXJmIH4gIyBwd25lZA==\x07" // write the clipboard
	atkOSC0  = "\x1b]0;pwned\x07"                       // retitle the window
	atkOSC8  = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
	csiClear = "\x1b[2J"
	csiAlt   = "\x1b[?1049l" // leave the alternate screen
	sgrHide  = "\x1b[8m"     // conceal what follows
	c1CSI    = "\u009b2J"
	c1OSC    = "\u009d0;c1-title\u009c"
	bidi     = "\u202eevil\u202c"
)

// hostileCursor is the API's next cursor after its first page.
const hostileCursor = "cur" + atkOSC52 + csiClear + c1CSI + bidi

// injected are the exact sequences the console must never send on.
var injected = []string{atkOSC52, atkOSC0, "\x1b]8;", csiClear, csiAlt, sgrHide}

// jsonString writes s as a JSON string, every control and C1 escaped.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || termsafe.Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hostileAPI serves a page of records whose keys and values hold every
// attack, with hostile headers and a hostile next cursor; the page that
// cursor asks for is short, and the one after it fails with a 500 whose
// body holds the attacks too (and a raw 0x9b byte), so the run fails and
// its error goes everywhere errors go.
func hostileAPI(t *testing.T) *httptest.Server {
	t.Helper()
	values := []string{atkOSC52, atkOSC0, atkOSC8, csiClear + "\x1b[H", csiAlt, sgrHide + "hidden", c1CSI, c1OSC, bidi, "ding\x07", "del\x7f"}
	var recs []string
	for i, v := range values {
		recs = append(recs, fmt.Sprintf(`{"id":%d,%s:%s,"nested":{%s:[%s]}}`, i+1, jsonString("key"+v), jsonString("val"+v), jsonString(v), jsonString(v)))
	}
	page1 := fmt.Sprintf(`{"data":[%s],"next_cursor":%s}`, strings.Join(recs, ","), jsonString(hostileCursor))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Hostile", "h"+c1CSI+bidi+"\x9b")
		switch r.URL.Query().Get("cursor") {
		case "":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, page1)
			return
		case hostileCursor:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":[{"id":100}],"next_cursor":"x"}`)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "boom "+atkOSC52+atkOSC0+csiClear+csiAlt+c1CSI+bidi+"\x9b\x07 end")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// screenLog keeps every byte the console wrote, while tests wait on it.
type screenLog struct {
	tm  *teatest.TestModel
	all bytes.Buffer
}

func (s *screenLog) waitFor(t *testing.T, text string) {
	t.Helper()
	teatest.WaitFor(t, io.TeeReader(s.tm.Output(), &s.all), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// assertNoTerminalControl fails when out holds anything a terminal acts on
// but the renderer's own cursor moves: an OSC, a DCS, a BEL, a C1 control,
// a byte that is not UTF-8 (0x9b), a bidi control, or a sequence the data
// carried.
func assertNoTerminalControl(t *testing.T, out []byte) {
	t.Helper()
	for _, seq := range injected {
		if i := bytes.Index(out, []byte(seq)); i >= 0 {
			t.Errorf("injected %q reached the terminal: …%q…", seq, out[max(i-60, 0):min(i+60, len(out))])
		}
	}
	for _, seq := range []string{"\x1b]", "\x1bP", "\x07"} {
		if i := bytes.Index(out, []byte(seq)); i >= 0 {
			t.Errorf("%q reached the terminal: …%q…", seq, out[max(i-60, 0):min(i+60, len(out))])
		}
	}
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			t.Errorf("byte %#x that is not UTF-8 at %d: …%q…", out[i], i, out[max(i-60, 0):min(i+60, len(out))])
		case r >= 0x80 && r <= 0x9f:
			t.Errorf("C1 control %U at %d", r, i)
		case r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			t.Errorf("bidi control %U at %d", r, i)
		}
		i += n
	}
}

// TestConsoleShowsAHostileAPIWithoutObeyingIt runs a real profile against
// the hostile API and a profile whose name and description are hostile
// too, walks every view that shows them (picker, run view, event log,
// records, a record, pages, a page, runs list, history), and checks the
// bytes the console wrote: nothing of the attacks acts, all shows.
func TestConsoleShowsAHostileAPIWithoutObeyingIt(t *testing.T) {
	srv := hostileAPI(t)
	cfg := spec.Config{
		Name: "hostile", BaseURL: srv.URL, Path: "/v1/items", Records: ".data",
		Pagination: spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".next_cursor"},
		Retry:      spec.RetryConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond},
		Output:     spec.OutputConfig{RawPages: true},
	}
	cfg.ApplyDefaults()
	start := func(p Profile, fresh bool) (Runner, error) {
		client, err := ingest.New(cfg)
		if err != nil {
			return nil, err
		}
		return client.Start(context.Background(), ingest.Job{Out: p.Out, Fresh: fresh}), nil
	}
	prof := Profile{Name: "hostile" + atkOSC0 + bidi, Description: "desc " + csiClear + atkOSC8 + c1OSC + csiAlt,
		Pagination: "cursor" + c1CSI, Auth: "none", URL: srv.URL + "/v1/items", Out: t.TempDir()}
	m := New(Options{Title: "siphon test", Styles: asciiStyles(), Start: start, Profiles: []Profile{prof}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(220, 40)) // wide enough for the error body
	s := &screenLog{tm: tm}

	s.waitFor(t, `desc \u001b[2J`) // the picker: name and description
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	s.waitFor(t, "FAILED") // the run view: the 500 ended it
	tm.Type("e")
	s.waitFor(t, "body starts: boom") // the event log: the 500's body
	tm.Type("r")
	s.waitFor(t, `\u001b]52;c;`) // the records: keys and values
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	s.waitFor(t, "record ") // one record's JSON
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("i")
	s.waitFor(t, "cursor in") // the pages
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	s.waitFor(t, "X-Hostile") // a page's request, headers and body
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	s.waitFor(t, "last error") // the runs list
	tm.Type("H")
	s.waitFor(t, "newest first") // the profile's history
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	_, _ = io.Copy(&s.all, tm.FinalOutput(t))

	out := s.all.Bytes()
	assertNoTerminalControl(t, out)
	for _, visible := range []string{"body starts: boom", `\u001b]52;c;cm0g`, `\u001b]0;pwned`, `\u009b2J`, `\u202e`, `\x9b`} {
		if !bytes.Contains(out, []byte(visible)) {
			t.Errorf("the console does not show %s", visible)
		}
	}
}
