package remedy_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"siphon/ingest/remedy"
)

var errDamaged = errors.New("checkpoint damaged")

// front is a front end's spelling for the tests: flags.
var front = remedy.Spelling{remedy.StartOver: "run with --fresh", remedy.OtherFolder: "use another --out"}

// TestSpelling: an error says its remedies in plain words; a front end's
// spelling rewrites them whether the error is wrapped with %w (found by
// errors.As), cut to text with %v, or kept only as text.
func TestSpelling(t *testing.T) {
	base := remedy.New(fmt.Errorf("%w: x.json", errDamaged), remedy.OtherFolder, remedy.StartOver)
	plain := "checkpoint damaged: x.json; " + remedy.OtherFolder.Say() + ", or " + remedy.StartOver.Say()
	rendered := "checkpoint damaged: x.json; use another --out, or run with --fresh"
	for _, tc := range []struct {
		name      string
		err       error
		plain     string
		rendered  string
		remedies  []remedy.Remedy
		sentinels bool
	}{
		{"as made", base, plain, rendered, []remedy.Remedy{remedy.OtherFolder, remedy.StartOver}, true},
		{"wrapped", fmt.Errorf("run orders: %w", base), "run orders: " + plain, "run orders: " + rendered, []remedy.Remedy{remedy.OtherFolder, remedy.StartOver}, true},
		{"cut to text", fmt.Errorf("run orders failed: %v", base), "run orders failed: " + plain, "run orders failed: " + rendered, nil, false},
		{"none", errors.New("HTTP 500"), "HTTP 500", "HTTP 500", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.plain {
				t.Errorf("Error() = %q, want %q", got, tc.plain)
			}
			if got := front.Error(tc.err); got != tc.rendered {
				t.Errorf("front.Error = %q, want %q", got, tc.rendered)
			}
			if got := front.Text(tc.err.Error()); got != tc.rendered {
				t.Errorf("front.Text = %q, want %q", got, tc.rendered)
			}
			if got := remedy.Of(tc.err); !slices.Equal(got, tc.remedies) {
				t.Errorf("Of = %v, want %v", got, tc.remedies)
			}
			if errors.Is(tc.err, errDamaged) != tc.sentinels {
				t.Errorf("errors.Is(sentinel) = %v, want %v", !tc.sentinels, tc.sentinels)
			}
		})
	}
}

// TestRenderedOnce: a spelled message spelled again does not change, so a
// front end that renders twice (an error kept in an event, then shown)
// says each remedy once.
func TestRenderedOnce(t *testing.T) {
	msg := front.Error(remedy.New(errDamaged, remedy.StartOver))
	if again := front.Text(msg); again != msg {
		t.Errorf("rendered twice: %q, once: %q", again, msg)
	}
}
