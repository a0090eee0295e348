package pagescan

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestMaxCapture: a record, a value, a key or a number past
// Spec.MaxCapture ends the scan with a TooLargeError saying which, from a
// reader (having read little past the bound) and from a held body alike;
// records under the bound come through.
func TestMaxCapture(t *testing.T) {
	big := strings.Repeat("a", 300<<10)
	cases := []struct {
		name, body string
		record     int // want TooLargeError.Record; -2: no error
		records    int // handed over before the error
	}{
		{"under", `{"data":[{"id":1,"s":"` + strings.Repeat("b", 90<<10) + `"}],"next":"c"}`, -2, 1},
		{"record", `{"data":[{"id":1},{"id":2,"s":"` + big + `"}],"next":"c"}`, 1, 1},
		{"key", `{"data":[{"id":1,"` + big + `":1}]}`, 0, 0},
		{"number", `{"data":[{"id":1,"n":1` + strings.Repeat("0", 300<<10) + `}]}`, 0, 0},
		{"value", `{"data":[{"id":1}],"next":"` + big + `"}`, -1, 1},
	}
	for _, tc := range cases {
		for _, held := range []bool{false, true} {
			sc, err := New(Spec{Records: Path{Keys: []string{"data"}}, Values: []Path{{Keys: []string{"next"}}}, MaxCapture: 100 << 10})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			fn := func(*Record) error { n++; return nil }
			cr := &countReader{r: strings.NewReader(tc.body)}
			if held {
				_, err = sc.Scan([]byte(tc.body), fn)
			} else {
				_, err = sc.ScanReader(cr, fn)
			}
			var tl *TooLargeError
			switch {
			case tc.record == -2 && err != nil:
				t.Errorf("%s (held %v): %v", tc.name, held, err)
			case tc.record != -2 && (!errors.As(err, &tl) || tl.Record != tc.record || tl.Limit != 100<<10):
				t.Errorf("%s (held %v): got %v, want a TooLargeError for record %d", tc.name, held, err, tc.record)
			case n != tc.records:
				t.Errorf("%s (held %v): %d records handed over, want %d", tc.name, held, n, tc.records)
			case !held && tc.record != -2 && cr.n > 200<<10:
				t.Errorf("%s: read %d bytes of the body before stopping", tc.name, cr.n)
			}
		}
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
