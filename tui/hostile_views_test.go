package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"siphon/ingest"
	"siphon/ingest/partition"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// viewAttacks are the attacks the views are tried with, one a row.
var viewAttacks = []struct {
	name, s string
	shown   string // how the screen shows it ("" for what only becomes spaces)
}{
	{"osc52 clipboard", atkOSC52, `\u001b]52;c;cm0g`},
	{"osc0 title", atkOSC0, `\u001b]0;pwned\u0007`},
	{"osc8 link", atkOSC8, `\u001b]8;;http`},
	{"csi clear", csiClear + "\x1b[H", `\u001b[2J`},
	{"csi alt screen", csiAlt, `\u001b[?1049l`},
	{"sgr conceal", sgrHide + "hidden", `\u001b[8m`},
	{"bel", "ding\x07", `ding\u0007`},
	{"c1 csi", c1CSI, `\u009b2J`},
	{"c1 osc", c1OSC, `\u009d0;`},
	{"raw 8-bit csi", "\x9b2J", `\x9b2J`},
	{"bidi override", bidi, `\u202eevil`},
	{"carriage return", "safe\rrm -rf ~", `safe`},
	{"dcs", "\x1bP+q\x1b\\", `\u001bP+q`},
	{"tab and newline", "a\tb\nc", ""},
}

// assertCleanScreen fails when a screen drawn with plain styles holds any
// escape or control at all (before the backstop: each view cleaned its
// text), or a line wider than the terminal.
func assertCleanScreen(t *testing.T, where, screen string, width int, skip ...string) {
	t.Helper()
	if !utf8.ValidString(screen) {
		t.Errorf("%s: bytes that are not UTF-8 in %q", where, screen)
	}
	for i, r := range screen {
		bad := r == 0x1b || r == 0x07 || (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		if bad {
			t.Errorf("%s: %U at %d: …%q…", where, r, i, screen[max(i-40, 0):min(i+40, len(screen))])
			return
		}
	}
	for _, line := range strings.Split(screen, "\n") {
		if slices.Contains(skip, line) {
			continue
		}
		if w := lipgloss.Width(line); w > width {
			t.Errorf("%s: a line %d cells wide on a %d-cell screen: %q", where, w, width, line)
		}
	}
}

// hostileRecord is a record whose key and value carry the attack, raw.
func hostileRecord(id int, a string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%d,%s:%s,"obj":{%s:%s}}`, id, jsonString("k"+a), jsonString("v"+a), jsonString(a), jsonString(a)))
}

// TestViewsCleanWhatTheyShow draws every view that shows an API's or a
// profile's text with one attack in all of it (profile name, description,
// error; event causes; records' keys and values; cursors; headers; JSON and
// raw bodies; run errors; history; partition keys; a probe's findings) and
// checks each screen as the views drew it, before the backstop: no
// control, nothing wider than the terminal, the attack shown visibly.
func TestViewsCleanWhatTheyShow(t *testing.T) {
	for _, atk := range viewAttacks {
		t.Run(atk.name, func(t *testing.T) {
			a := atk.s
			var seen strings.Builder
			check := func(h *harness, where string) {
				t.Helper()
				h.send(tickMsg(h.clock.t))
				screen := h.m.render()
				// The key help is the console's own text (and may run
				// past the edge, as bubbles' help draws it).
				assertCleanScreen(t, where, screen, h.m.width, strings.Split(h.m.helpView(), "\n")...)
				seen.WriteString(screen)
			}
			profiles := []Profile{
				{Name: "p" + a, Description: "d" + a, Pagination: "cursor" + a, Auth: "none" + a, URL: "http://127.0.0.1:1/v1" + a, Out: t.TempDir()},
				{Name: "broken" + a, Err: errors.New("e" + a)},
			}
			h := newHarness(t, profiles)
			h.send(tea.WindowSizeMsg{Width: 100, Height: 60}) // a page's whole detail in sight
			check(h, "picker")
			h.keys("j", "enter")
			check(h, "a profile that cannot run")
			h.keys("k", "enter")
			h.runs[0].mu.Lock()
			h.runs[0].snap.Detail = "2/6 — HTTP 503: " + a
			h.runs[0].mu.Unlock()
			feedHostile(h, a)
			check(h, "run overview")
			h.keys("x")
			check(h, "stop question")
			h.keys("n", "e")
			check(h, "event log")
			h.keys("r")
			check(h, "records")
			h.keys("g", "enter")
			check(h, "record detail")
			h.keys("esc", "/")
			h.send(runes("error(tostring)"))
			h.keys("enter")
			check(h, "jq error quoting a record")
			h.keys("i")
			check(h, "pages")
			h.keys("enter", "G")
			check(h, "page detail, raw body")
			h.keys("esc", "k", "enter")
			check(h, "page detail, JSON body")
			h.keys("esc")
			h.events(ingest.Finished{At: ingest.At{T: t0.Add(20 * time.Second)}, Pages: 2, Error: "page 3: HTTP 500: " + a})
			h.keys("tab")
			check(h, "runs list")
			h.keys("H")
			h.send(historyMsg{out: profiles[0].Out, entries: []store.HistoryEntry{
				{Start: t0, End: t0.Add(time.Minute), Profile: "p" + a, Outcome: store.Outcome("failed" + a), Error: "HTTP 500: " + a},
				{Start: t0, End: t0.Add(time.Minute), Profile: "p" + a, Outcome: "done", StopReason: "stop " + a},
			}})
			check(h, "history")

			p := partitionedHostile(t, a)
			check(p, "partition table")
			p.keys("enter")
			check(p, "one partition")

			f := probedHostile(t, a)
			check(f, "new profile from a probe")

			if atk.shown != "" && !strings.Contains(seen.String(), atk.shown) {
				t.Errorf("the attack is not shown as %s", atk.shown)
			}
		})
	}
}

// feedHostile plays a run's events with the attack in every string.
func feedHostile(h *harness, a string) {
	at := func(s int) ingest.At { return ingest.At{T: t0.Add(time.Duration(s) * time.Second)} }
	h.events(ingest.Started{At: at(0), Profile: "p" + a, URL: "http://127.0.0.1:1/v1?q=" + a, Out: "/out/" + a})
	json1 := samplePage(1, t0.Add(time.Second))
	json1.CursorIn, json1.CursorOut = "c"+a, "next"+a
	json1.Request = ingest.PageRequest{Method: "GET", URL: "http://127.0.0.1:1/v1?cursor=" + a, Headers: map[string]string{"X-Cursor": a}}
	json1.Response.Headers = map[string]string{"X-" + a: "v" + a}
	// The attack escaped as JSON allows, and raw (where it makes the JSON
	// invalid, the console shows it all the same).
	rawRecord := json.RawMessage(`{"id":1,"r` + a + `":"` + a + `"}`)
	json1.Response.Body = []byte(`{"data":[` + string(rawRecord) + `,` + string(hostileRecord(2, a)) + `],"raw":"x` + "\x9b" + `y"}`)
	json1.Response.BodyBytes = int64(len(json1.Response.Body))
	json1.Sample = []json.RawMessage{rawRecord, hostileRecord(2, a), json.RawMessage(`{"id":3,"raw":"x` + "\x9b" + `y"}`), json.RawMessage(jsonString(a))}
	raw := samplePage(2, t0.Add(2*time.Second))
	raw.StopReason = "the server said " + a
	raw.Response.ContentType = "text/plain"
	raw.Response.Body = []byte("line one " + a + "\r\n\tline two " + a + "\n")
	raw.Response.BodyBytes = int64(len(raw.Response.Body))
	h.events(json1, raw,
		ingest.RetryScheduled{At: at(3), Page: 3, Attempt: 1, MaxAttempts: 6, Cause: "HTTP 503: " + a, Wait: time.Second, Source: "backoff"},
		ingest.Throttled{At: at(3), Wait: time.Second, Reason: "429 " + a},
		ingest.Anomaly{At: at(3), Page: 1, What: "odd " + a, Action: "continued" + a},
		ingest.DriftDetected{At: at(3), Page: 2, Field: "f" + a, Change: "type changed", Was: "string" + a, Now: "number" + a},
		ingest.Warning{At: at(3), What: "careful " + a},
	)
}

// partitionedHostile is a console on a partitioned run whose partition
// keys and errors carry the attack.
func partitionedHostile(t *testing.T, a string) *harness {
	h := newHarness(t, []Profile{{Name: "parts" + a, Pagination: "offset", Auth: "none", Out: t.TempDir()}})
	h.m.env.opts.Start = func(p Profile, fresh bool) (Runner, error) {
		snap := ingest.Snapshot{Profile: p.Name, State: ingest.StateRunning, Started: h.clock.t.Add(-time.Minute),
			Partitions: &ingest.PartitionSummary{Total: 2, Failed: 1, Running: 1, ServerLimit: -1}}
		run := &fakePartRun{fakeRun: newFakeRun(snap), parts: []ingest.PartitionSnapshot{
			{Partition: partition.Partition{Key: "k" + a, Value: a}, Snapshot: ingest.Snapshot{State: ingest.StateFailed, Err: errors.New("HTTP 404: " + a)}},
			{Partition: partition.Partition{Index: 1, Key: "w" + a}, Snapshot: ingest.Snapshot{State: ingest.StateRetrying, Detail: "2/6 — " + a, Started: h.clock.t}},
		}}
		h.runs = append(h.runs, run.fakeRun)
		return run, nil
	}
	h.keys("enter")
	h.events(ingest.RetryScheduled{At: ingest.At{T: t0, Partition: "w" + a}, Page: 1, Attempt: 1, Cause: "HTTP 503: " + a, Wait: time.Second})
	return h
}

// probedHostile is the new-profile form after a real probe of an API whose
// records carry the attack in their field names and values.
func probedHostile(t *testing.T, a string) *harness {
	records := string(hostileRecord(1, a)) + `,` + string(hostileRecord(2, a))
	if utf8.ValidString(a) && !strings.ContainsFunc(a, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
		// What JSON lets through unescaped (C1, bidi): raw in the body.
		records += `,{"id":3,"r` + a + `":"` + a + `"}`
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"items":[`+records+`],"next_cursor":`+jsonString("n"+a)+`}`)
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, testProfiles(t.TempDir()))
	h.m.env.opts.ProfilesDir = t.TempDir()
	h.m.env.opts.Probe = func(ctx context.Context, req ProbeRequest) (spec.Config, *probe.Report, error) {
		cfg := spec.Config{Name: "probed", BaseURL: srv.URL, Path: "/v1/items"}
		cfg.ApplyDefaults()
		client, err := ingest.New(cfg)
		if err != nil {
			return cfg, nil, err
		}
		rep, err := probe.Run(ctx, client)
		if err != nil {
			return cfg, rep, err
		}
		return rep.Apply(cfg), rep, nil
	}
	h.keys("a")
	h.edit(runes(srv.URL+"/v1/items"), keyEnter)
	if _, ok := h.m.top().(newProfile); !ok || h.m.top().(newProfile).probed == nil {
		t.Fatalf("the probe did not open the editor:\n%s", h.m.View())
	}
	return h
}

// TestTableWidthsCountWhatShows checks that a hostile value in a cell
// does not break the table: every row is as wide as the header, and an
// escape counts for the cells its visible form takes.
func TestTableWidthsCountWhatShows(t *testing.T) {
	st := *asciiStyles()
	for _, atk := range viewAttacks {
		t.Run(atk.name, func(t *testing.T) {
			rows := []tableRow{
				parseRow(json.RawMessage(`{"id":1,"name":"plain","tier":"gold"}`)),
				parseRow(json.RawMessage(fmt.Sprintf(`{"id":2,"name":%s,"tier":"gold"}`, jsonString(atk.s)))),
				parseRow(json.RawMessage(fmt.Sprintf(`{"id":3,"name":"x","tier":"gold",%s:1}`, jsonString(atk.s)))),
			}
			lines := renderTable(st, rows, nil, 0, 0, 200)
			want := lipgloss.Width(lines[0])
			for i, line := range lines {
				assertCleanScreen(t, "table", line, 200)
				if i > 0 && lipgloss.Width(strings.TrimRight(line, " ")) > want {
					t.Errorf("row %d is %d cells, the header %d:\n%s\n%s", i, lipgloss.Width(line), want, lines[0], line)
				}
			}
			// Each cell's column starts where the header's does.
			tierAt := strings.Index(lines[0], "tier")
			for i, line := range lines[1:] {
				if got := strings.Index(line, "gold"); utf8.RuneCountInString(line[:got]) != utf8.RuneCountInString(lines[0][:tierAt]) {
					t.Errorf("row %d: tier at cell %d, header at %d:\n%s\n%s", i+1, utf8.RuneCountInString(line[:got]), utf8.RuneCountInString(lines[0][:tierAt]), lines[0], line)
				}
			}
			for _, cell := range []string{fit(oneLine(atk.s), 10), cut(oneLine(atk.s), 6)} {
				if w := lipgloss.Width(cell); w > 10 {
					t.Errorf("a cell of %d cells: %q", w, cell)
				}
			}
			if got := lipgloss.Width(fit(oneLine(atk.s), 10)); got != 10 {
				t.Errorf("fit gave %d cells, want 10", got)
			}
		})
	}
}

// TestKeepStyleBackstopsTheFrame checks that the frame the console hands
// Bubble Tea passes termsafe.KeepStyle: a screen that forgot to clean
// its text still sends nothing but styling.
func TestKeepStyleBackstopsTheFrame(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.m.stack = append(h.m.stack, rawScreen{text: "forgot " + atkOSC52 + csiClear + c1CSI + bidi + "\x9b"})
	h.send(tickMsg(h.clock.t))
	assertNoTerminalControl(t, []byte(h.m.View()))
	if !strings.Contains(h.m.View(), `forgot \u001b]52;c;`) {
		t.Errorf("the backstop does not show the escape:\n%s", h.m.View())
	}
}

// rawScreen is a view that draws its text as it is: a view that forgot.
type rawScreen struct {
	plain
	text string
}

func (r rawScreen) update(tea.Msg, *ctx) (screen, tea.Cmd) { return r, nil }
func (r rawScreen) resize(int, int) screen                 { return r }
func (r rawScreen) View() string                           { return r.text }
func (r rawScreen) ShortHelp() []key.Binding               { return nil }
func (r rawScreen) FullHelp() [][]key.Binding              { return nil }
