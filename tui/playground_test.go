package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/spec"
)

// settle runs the commands an update returned while they are evaluations
// (selectors, probes), feeding their results back, as Bubble Tea would.
func (h *harness) settle(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	if cmds, ok := cmdsIn(msg); ok {
		for _, c := range cmds {
			h.settle(c)
		}
		return
	}
	switch msg.(type) {
	case selectorResultMsg, probeResultMsg, bodyReadMsg, selectorsSavedMsg, profileSavedMsg, checkpointsMsg, historyMsg, bodyTailMsg, pastRunMsg, replayDoneMsg, stateMsg:
		h.settle(h.send(msg))
	}
}

// edit sends keys to a form and lets its evaluations finish.
func (h *harness) edit(keys ...tea.KeyMsg) {
	h.t.Helper()
	for _, k := range keys {
		h.settle(h.send(k))
	}
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	keyTab     = tea.KeyMsg{Type: tea.KeyTab}
	keyEnter   = tea.KeyMsg{Type: tea.KeyEnter}
	keyClear   = tea.KeyMsg{Type: tea.KeyCtrlU}
	keySaveKey = tea.KeyMsg{Type: tea.KeyCtrlS}
)

const savedProfile = `# Orders, for the playground test
name: mine
base_url: http://127.0.0.1:8089
path: /v1/cursor
records: .data # where the records are
pagination:
  type: cursor
  cursor_path: .pagination.next_cursor
`

// archivedBody is page 2's whole body, bigger than its 16 KiB preview.
const archivedBody = `{"data":[{"id":4,"name":"D"},{"id":5,"name":"E"},{"id":6,"name":"F"},{"id":7,"name":"G"}],"pagination":{"next_cursor":"c2"},"links":{"next":"/v1/cursor?cursor=c2"}}`

// playgroundHarness is a run of a saved profile with two pages on screen,
// page 2's body archived in the output folder.
func playgroundHarness(t *testing.T, archived bool) (*harness, string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(savedProfile), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if archived {
		if err := os.MkdirAll(filepath.Join(out, "pages"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "pages", "000002.body"), []byte(archivedBody), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	prof := Profile{Name: "mine", Pagination: "cursor", Auth: "none", Out: out, Path: path, Records: ".data",
		PaginationConfig: spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".pagination.next_cursor", CursorParam: "cursor"}}
	h := newHarness(t, []Profile{prof})
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.keys("enter")
	page2 := samplePage(2, t0)
	page2.Response.BodyBytes = int64(len(archivedBody))
	h.events(ingest.Started{At: ingest.At{T: t0}, Profile: "mine", Out: out}, samplePage(1, t0), page2)
	h.keys("i", "enter")
	h.settle(h.send(runes("s")))
	return h, path
}

func TestPlaygroundEvaluatesTheArchivedBodyAndSaves(t *testing.T) {
	h, path := playgroundHarness(t, true)
	h.screenHas("selectors on page 2 of mine", "whole body (164 B) from the archive's pages/000002.body",
		"records: 4 (the first 3)", `{"id":4,"name":"D"}`, `next: "c2"`)

	h.edit(keyClear, runes(".data[] | select(.id > 5"))
	h.screenHas("records: ")
	if h.m.top().(playground).editor.result.recordsErr == "" {
		t.Fatalf("no error for an unfinished expression:\n%s", h.m.View())
	}
	h.edit(runes(")"))
	h.screenHas("records: 2", `{"id":6,"name":"F"}`)

	h.edit(keyTab, keyClear, runes(".links.missing"))
	h.screenHas("next: stop — ")
	h.edit(keyClear, runes(".pagination.next_cursor"))

	h.edit(keySaveKey)
	h.screenHas("saved records into " + path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"# Orders, for the playground test", ".data[] | select(.id > 5)", "cursor_path: .pagination.next_cursor"} {
		if !strings.Contains(text, want) {
			t.Errorf("saved file lacks %q:\n%s", want, text)
		}
	}
	if got := h.m.runs.latest().profile.Records; got != ".data[] | select(.id > 5)" {
		t.Errorf("profile on screen has records %q", got)
	}
	if it, _ := h.picker().selected(); it.profile.Records != ".data[] | select(.id > 5)" {
		t.Errorf("picker keeps records %q", it.profile.Records)
	}
	h.keys("esc")
	if d, ok := h.m.top().(detail); !ok || d.page == nil {
		t.Error("esc did not go back to the page")
	}
}

func TestPlaygroundFallsBackToThePreview(t *testing.T) {
	h, _ := playgroundHarness(t, false)
	h.screenHas("only the first 53 B of page 2's 164 B body (no pages/000002.body in the output", "records: 1", `next: "c1"`)
}

func TestPlaygroundDoesNotSaveBuiltIns(t *testing.T) {
	h, _ := playgroundHarness(t, true)
	h.m.runs.latest().profile.Path = ""
	h.edit(keyClear, runes(".data[0:1]"), keyEnter)
	h.screenHas("mine is built in: there is no file to save into")
}
