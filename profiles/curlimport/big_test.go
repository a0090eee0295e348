package curlimport_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"siphon/profiles/curlimport"
)

// Big inputs cost in proportion to their size: the quadratic slips this
// test was written for (re-scanning or re-copying what was already read)
// show as memory allocated growing with the square of the input. Bytes
// allocated are counted, not seconds, so a busy machine cannot fail it.
func TestBigInputs(t *testing.T) {
	cases := map[string]func(n int) string{
		"big JSON body": func(n int) string {
			var body strings.Builder
			body.WriteString("{")
			for i := range n {
				fmt.Fprintf(&body, `"k%d":"v%d",`, i, i)
			}
			body.WriteString(`"last":1}`)
			return "curl https://api.example.com --data-raw '" + body.String() + "'"
		},
		"many options": func(n int) string {
			return "curl https://api.example.com" + strings.Repeat(" -H 'X-A: b' -d x=1", n)
		},
		"many lines (cmd)": func(n int) string {
			return "curl ^\"https://api.example.com^\"" + strings.Repeat(" ^\n -H ^\"X-A: b^\"", n)
		},
	}
	for name, command := range cases {
		small, large := allocated(t, name, command(5000)), allocated(t, name, command(20000))
		// Four times the input: linear work allocates about four times as
		// much, quadratic sixteen.
		ratio := float64(large) / float64(small)
		t.Logf("%s: %.2f× the memory for 4× the input", name, ratio)
		if ratio > 8 {
			t.Errorf("%s: 4× the input allocated %.1f× the memory (%d → %d bytes): not linear", name, ratio, small, large)
		}
	}
}

func allocated(t *testing.T, name, command string) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := curlimport.Parse(command, "big"); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
