package paginate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// A new style is one file that defines it plus one registration line. This
// file is that file for a style siphon does not ship: the next page's token
// comes in a response header (X-Next-Token) and goes back as ?token=.
// Nothing else is changed, yet it runs through the real run loop, with the
// loop check, checkpoints and resume that every style gets.

func init() {
	paginate.Register("header_token", paginate.Def{New: newHeaderToken})
}

type headerToken struct{}

func newHeaderToken(spec.PaginationConfig, []string) (paginate.Style, error) {
	return headerToken{}, nil
}

func (headerToken) Start() paginate.Position { return paginate.Position{} }

func (headerToken) Request(pos paginate.Position, q url.Values) paginate.Request {
	if pos.Cursor != "" {
		q.Set("token", pos.Cursor)
	}
	return paginate.Request{Query: q}
}

func (headerToken) Next(pos *paginate.Position, r *paginate.Response) (paginate.Next, error) {
	next := r.Header.Get("X-Next-Token")
	if next == "" {
		return paginate.Next{Stop: "no next token", Missing: "X-Next-Token header"}, nil
	}
	pos.Cursor = next
	return paginate.Next{Follow: next, Noun: "token", Loop: "token " + strconv.Quote(next)}, nil
}

func (headerToken) Describe(pos paginate.Position) string { return pos.Cursor }

// tokenAPI serves records 1..total, size a page, the next page's token in
// a header; with loopAt set, that page points back to the first token.
func tokenAPI(t *testing.T, total, size, loopAt int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from := 0
		if tok := r.URL.Query().Get("token"); tok != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(tok, "t"))
			if err != nil {
				http.Error(w, "bad token", http.StatusBadRequest)
				return
			}
			from = n
		}
		var data []map[string]int
		for id := from + 1; id <= min(from+size, total); id++ {
			data = append(data, map[string]int{"id": id})
		}
		switch {
		case loopAt > 0 && from/size+1 == loopAt:
			w.Header().Set("X-Next-Token", fmt.Sprintf("t%d", size))
		case from+size < total:
			w.Header().Set("X-Next-Token", fmt.Sprintf("t%d", from+size))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func walk(t *testing.T, srv *httptest.Server, dir string, maxPages int) (ingest.Snapshot, error) {
	t.Helper()
	cfg := spec.Config{Name: "tokens", BaseURL: srv.URL, Records: ".data", PrimaryKey: []string{"id"},
		Pagination: spec.PaginationConfig{Type: "header_token"}}
	c, err := ingest.New(cfg, ingest.WithCommitInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Start(context.Background(), ingest.Job{Out: dir, MaxPages: maxPages})
	for range r.Events() {
	}
	err = r.Wait()
	return r.Snapshot(), err
}

func ids(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, store.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var rec struct{ ID int }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.Itoa(rec.ID))
	}
	return out
}

func TestANewStyleIsOneFile(t *testing.T) {
	srv := tokenAPI(t, 7, 3, 0)
	dir := t.TempDir()
	// One page, then resume from the checkpoint: the style's position is
	// plain data the run loop saves without knowing the style.
	if snap, err := walk(t, srv, dir, 1); err != nil || snap.StopReason != paginate.StopMaxPages {
		t.Fatalf("first run: stop %q, %v", snap.StopReason, err)
	}
	snap, err := walk(t, srv, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if snap.StopReason != "no next token" || snap.Pages != 3 {
		t.Errorf("stopped with %q after %d pages", snap.StopReason, snap.Pages)
	}
	if got := strings.Join(ids(t, dir), " "); got != "1 2 3 4 5 6 7" {
		t.Errorf("records %s", got)
	}
}

func TestANewStyleGetsTheLoopCheck(t *testing.T) {
	srv := tokenAPI(t, 30, 3, 3) // page 3 gives page 1's token again
	_, err := walk(t, srv, t.TempDir(), 0)
	if err == nil || !strings.Contains(err.Error(), `page 3 gave the same next token "t3" as page 1`) {
		t.Fatalf("got %v, want the loop caught", err)
	}
}
