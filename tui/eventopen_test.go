package tui

import (
	"strings"
	"testing"

	"siphon/ingest"
)

// TestEnterOpensAnEventWhole: a long event line is cut in the log; enter
// opens it whole, wrapped, cause first.
func TestEnterOpensAnEventWhole(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	long := "page 36: GET http://127.0.0.1:8089/v1/cursor?cursor=" + strings.Repeat("c", 120) + ": HTTP 500 Internal Server Error after 3 attempts"
	h.events(
		ingest.Started{At: ingest.At{T: t0}, Profile: "demo-cursor", URL: "http://127.0.0.1:8089/v1/cursor?limit=3", Out: "out/demo-cursor"},
		ingest.Warning{At: ingest.At{T: t0}, What: long},
	)
	h.keys("e")
	h.keys("enter")
	h.screenHas("after 3 attempts", "HTTP 500 Internal Server Error")
}
