package curlimport_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"siphon/profiles/curlimport"
)

// TestBigInputs keeps Parse linear: a large pasted body or a command of
// many options must not take long.
func TestBigInputs(t *testing.T) {
	var body strings.Builder
	body.WriteString("{")
	for i := range 50000 {
		fmt.Fprintf(&body, `"k%d":"v%d",`, i, i)
	}
	body.WriteString(`"last":1}`)
	many := strings.Repeat(" -H 'X-A: b' -d x=1", 20000)
	for name, command := range map[string]string{
		"big JSON body":    "curl https://api.example.com --data-raw '" + body.String() + "'",
		"many options":     "curl https://api.example.com" + many,
		"many lines (cmd)": "curl ^\"https://api.example.com^\"" + strings.Repeat(" ^\n -H ^\"X-A: b^\"", 20000),
	} {
		start := time.Now()
		if _, err := curlimport.Parse(command, "big"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Linear takes well under a second here (a few with -race); the
		// quadratic slips this test was written for took 20 s and more.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %s", name, d)
		}
		t.Logf("%s: %s", name, time.Since(start))
	}
}
