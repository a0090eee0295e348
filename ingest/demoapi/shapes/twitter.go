package shapes

import (
	"net/http"
	"strconv"
	"strings"
)

// twitterUser is the emulated user whose tweets are listed.
const twitterUser = "2244994945"

var twitterParams = []string{"id", "max_results", "pagination_token", "since_id", "until_id", "start_time", "end_time",
	"exclude", "expansions", "tweet.fields", "user.fields", "media.fields", "place.fields", "poll.fields"}

// X (Twitter) API v2 user timeline ("twitter").
//
//	GET /2/users/{id}/tweets?max_results=N&pagination_token=T
//
// The body is {"data":[...],"meta":{"result_count":N,"newest_id":..,
// "oldest_id":..,"next_token":T,"previous_token":..}}, newest first.
// max_results is 5 to 100 (default 10). The next request sends meta.next_token
// back as pagination_token; the last page has no next_token (and an empty
// one has no data at all, only meta.result_count 0). The token is a bearer
// token; a wrong one is 401. Errors are RFC 7807-like: {"errors":[{"message":..,
// "parameters":{..}}],"title":"Invalid Request","detail":..,"type":..}.
//
// Paged wrongly: sending next_token (the field's name) as the query
// parameter is a 400, like any unknown parameter; max_results out of range
// and a pagination_token X did not make are 400s too.
func init() {
	register(&shape{name: "twitter", title: "X API v2 timeline (next_token → pagination_token)", idField: "id",
		id:    func(a *API, i int) string { return strconv.FormatInt(a.numericID(1_460_323_737_035_677_698, i), 10) },
		serve: serveTwitter})
}

func twitterInvalid(w http.ResponseWriter, param, value, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"errors": []map[string]any{{"parameters": map[string]any{param: []string{value}}, "message": msg}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": "https://api.twitter.com/2/problems/invalid-request",
	})
}

func serveTwitter(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/2/users/"+twitterUser+"/tweets" {
		writeJSON(w, http.StatusNotFound, map[string]any{"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found", "detail": "Could not find the requested resource."})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
		return
	}
	q := r.URL.Query()
	if bad := unknownParams(q, twitterParams...); len(bad) > 0 {
		twitterInvalid(w, bad[0], q.Get(bad[0]), "The query parameter ["+bad[0]+"] is not one of ["+strings.Join(twitterParams, ",")+"]")
		return
	}
	n, ok := intParam(q, "max_results", 10)
	if !ok || n < 5 || n > 100 {
		twitterInvalid(w, "max_results", q.Get("max_results"), "The `max_results` query parameter value ["+q.Get("max_results")+"] is not between 5 and 100")
		return
	}
	// Position k is record n-1-k: newest first.
	from := 0
	if q.Has("pagination_token") {
		pos, ok := a.untoken("twitter", q.Get("pagination_token"))
		if !ok {
			twitterInvalid(w, "pagination_token", q.Get("pagination_token"), "The `pagination_token` query parameter value ["+q.Get("pagination_token")+"] is not valid")
			return
		}
		from = pos
	}
	from, to := a.pageBounds(from, n)
	meta := map[string]any{"result_count": to - from}
	body := map[string]any{"meta": meta}
	if to > from {
		data := make([]map[string]any, 0, to-from)
		for k := from; k < to; k++ {
			i := a.n - 1 - k
			it := a.item(i)
			id := a.idOf(i)
			data = append(data, map[string]any{
				"id": id, "text": it.title + " — " + it.person, "created_at": isoMillis(it.created), "author_id": twitterUser,
				"edit_history_tweet_ids": []string{id}, "lang": "und",
				"public_metrics": map[string]any{"retweet_count": it.seq % 13, "reply_count": it.seq % 5, "like_count": it.seq % 101, "quote_count": 0},
			})
		}
		body["data"] = data
		meta["newest_id"], meta["oldest_id"] = data[0]["id"], data[len(data)-1]["id"]
	}
	if to < a.n {
		meta["next_token"] = a.token("twitter", to)
	}
	if from > 0 {
		meta["previous_token"] = a.token("twitter", max(from-n, 0))
	}
	writeJSON(w, http.StatusOK, body)
}
