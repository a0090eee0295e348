package shapes

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// IDsIn reads the id (IDField, dotted) of every record of a JSON Lines
// stream, such as a client's records.jsonl.
func (a *API) IDsIn(r io.Reader) ([]string, error) {
	var ids []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("line %d: %v", len(ids)+1, err)
		}
		for _, k := range strings.Split(a.IDField(), ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		switch x := v.(type) {
		case string:
			ids = append(ids, x)
		case float64:
			ids = append(ids, fmt.Sprintf("%.0f", x))
		default:
			return nil, fmt.Errorf("line %d: no %s", len(ids)+1, a.IDField())
		}
	}
	return ids, sc.Err()
}

// IDsInFile is IDsIn over a file; none (and no error) when there is no
// file, as when a run failed before it wrote anything.
func (a *API) IDsInFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids, err := a.IDsIn(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ids, nil
}

// Once says what is wrong with ids against the records the API serves: ""
// when each expected id is there exactly once and nothing else is.
func (a *API) Once(ids []string) string {
	want := a.ExpectedIDs()
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	missing, dup := 0, 0
	for _, id := range want {
		switch count[id] {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
		delete(count, id)
	}
	if missing == 0 && dup == 0 && len(count) == 0 {
		return ""
	}
	return fmt.Sprintf("%d ids for %d records: %d missing, %d repeated, %d unexpected", len(ids), len(want), missing, dup, len(count))
}
