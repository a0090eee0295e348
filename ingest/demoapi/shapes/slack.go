package shapes

import (
	"math"
	"net/http"
	"strconv"
)

// Slack Web API conversations.list ("slack").
//
//	GET /api/conversations.list?limit=N&cursor=C
//
// The body is {"ok":true,"channels":[...],"response_metadata":{"next_cursor":"..."}}.
// limit defaults to 100 and is capped at 1000; as documented, a page may
// hold fewer channels than limit even when more follow, so only an empty
// next_cursor ends the walk. The token goes as a bearer token (or a token
// parameter). Errors come as HTTP 200 with {"ok":false,"error":CODE}:
// not_authed without a token, invalid_auth for a wrong one, invalid_cursor
// for a cursor Slack did not make. Over Options.RateLimit requests a second
// the answer is 429 with Retry-After (seconds) and {"ok":false,"error":"ratelimited"}.
//
// Paged wrongly: a made-up or stale cursor is a 200 with ok:false; a client
// that stops at the first short page misses channels.
func init() {
	register(&shape{name: "slack", title: "Slack conversations.list (ok:false in 200)", idField: "id",
		id: func(a *API, i int) string { return a.alnumID("C", 10, i) }, serve: serveSlack})
}

func slackChannel(a *API, i int) map[string]any {
	it := a.item(i)
	return map[string]any{
		"id": a.idOf(i), "name": "chan-" + strconv.Itoa(it.seq), "is_channel": true, "is_private": false,
		"is_archived": !it.open, "created": it.created.Unix(), "creator": a.alnumID("U", 10, i%97),
		"num_members": it.seq % 50,
		"topic":       map[string]any{"value": it.title, "creator": "", "last_set": 0},
		"purpose":     map[string]any{"value": "Run by " + it.person, "creator": "", "last_set": it.updated.Unix()},
	}
}

func serveSlack(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/conversations.list" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	if over, wait := a.throttle(a.opts.RateLimit); over {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	if a.opts.Token != "" {
		tok := r.Form.Get("token")
		if tok == "" && r.Header.Get("Authorization") == "" {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		if tok != a.opts.Token && !a.authorized(r, "") {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
	}
	limit, ok := intParam(r.Form, "limit", 100)
	if !ok || limit < 1 {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_limit"})
		return
	}
	limit = min(limit, 1000)
	from := 0
	if c := r.Form.Get("cursor"); c != "" {
		pos, ok := a.untoken("slack", c)
		if !ok {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_cursor"})
			return
		}
		from = pos
	}
	// Up to two channels short of the limit, varying by page.
	size := limit
	if limit > 2 {
		size -= int(a.mix("slack-page", from) % 3)
	}
	from, to := a.pageBounds(from, size)
	channels := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		channels = append(channels, slackChannel(a, i))
	}
	next := ""
	if to < a.n {
		next = a.token("slack", to)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channels": channels, "response_metadata": map[string]any{"next_cursor": next}})
}
