package tui

import (
	"regexp"
	"strings"

	"siphon/ingest/remedy"
)

// consoleRemedies says what the engine's errors offer as the console's
// keys and the profile's keys (the console has no flags).
var consoleRemedies = remedy.Spelling{
	remedy.StartOver:     "press " + DefaultKeyMap().Fresh.Help().Key + " on its profile to start over (the old output is moved aside, not deleted)",
	remedy.OtherFolder:   "point output.dir in the profile at an empty or new folder",
	remedy.WaitForHolder: "wait for it to end (or stop it)",
	remedy.SameShards:    "run it with siphon run --shard K/N, the N it was started with",
}

// pageFailure is the engine's shape of a page's failure: "page 36: GET
// https://…: HTTP 500 Internal Server Error: … (after 3 attempts); body
// starts: …", maybe behind a partition's name.
var pageFailure = regexp.MustCompile(`(?s)^(.*?)page (\d+): ([A-Z]+) (\S+): (.+)$`)

// causeFirst puts a failure's cause before where it happened. The engine
// writes the page and its whole URL first, so a line cut at 80 or even 120
// columns never reaches the "HTTP 500"; this reads
// "HTTP 500 Internal Server Error: … (after 3 attempts) · page 36 · GET
// https://… · body starts: …", whatever came before "page N:" (a
// partition's name) still in front. A message of another shape comes back
// as it is, so that once the engine writes its messages cause-first this
// has nothing left to do. Every line the console shows an error on goes
// through it, which also says the remedies the error offers as the
// console's keys.
func causeFirst(msg string) string {
	msg = consoleRemedies.Text(msg)
	m := pageFailure.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	prefix, page, method, url, cause := m[1], m[2], m[3], m[4], m[5]
	snippet := ""
	if i := strings.Index(cause, "; body starts: "); i >= 0 {
		cause, snippet = cause[:i], cause[i+2:]
	}
	out := prefix + cause + " · page " + page + " · " + method + " " + url
	if snippet != "" {
		out += " · " + snippet
	}
	return out
}
