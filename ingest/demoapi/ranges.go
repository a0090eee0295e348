package demoapi

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// Range filters, for partitioned walks: the offset and cursor endpoints
// take id_gte and id_lt (ids in [id_gte, id_lt)) and updated_gte and
// updated_lt (RFC 3339, updated_at in [updated_gte, updated_lt)). Offsets
// and cursors then count within the filtered records.

// filtered returns the records that pass q's range filters.
func (a *API) filtered(q url.Values) ([][]byte, error) {
	all := a.data.snapshot()
	lo, hi := 0, len(all) // index range; index i holds id i+1
	if v := q.Get("id_gte"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, &paramError{"id_gte", v, "want an integer"}
		}
		lo = max(lo, int(min(max(n-1, 0), int64(len(all)))))
	}
	if v := q.Get("id_lt"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, &paramError{"id_lt", v, "want an integer"}
		}
		hi = min(hi, int(min(max(n-1, 0), int64(len(all)))))
	}
	from, hasFrom, err := timeParam(q, "updated_gte")
	if err != nil {
		return nil, err
	}
	to, hasTo, err := timeParam(q, "updated_lt")
	if err != nil {
		return nil, err
	}
	if hasFrom || hasTo {
		a.data.mu.RLock()
		upd := a.data.updated[:len(all)]
		a.data.mu.RUnlock()
		if hasFrom {
			lo = max(lo, sort.Search(len(upd), func(i int) bool { return upd[i] >= from.Unix() }))
		}
		if hasTo {
			hi = min(hi, sort.Search(len(upd), func(i int) bool { return upd[i] >= to.Unix() }))
		}
	}
	if hi <= lo {
		return nil, nil
	}
	return all[lo:hi:hi], nil
}

// DefaultGroups is the number of groups of the fan-out endpoints.
const DefaultGroups = 50

// groupName names group k (from 1): g001.
func groupName(k int) string { return fmt.Sprintf("g%03d", k) }

// serveGroups lists the groups, offset-paged: {"data":[{"id":"g001",...}],"total":G}.
func (a *API) serveGroups(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	offset, limit, err := positionAndLimit(q, "offset", 0, 0, "limit")
	if err != nil {
		return nil, err
	}
	g := a.groups()
	page := []byte(`{"data":[`)
	for k := offset + 1; k <= min(offset+limit, g); k++ {
		if k > offset+1 {
			page = append(page, ',')
		}
		page = fmt.Appendf(page, `{"id":%q,"name":"Group %d"}`, groupName(k), k)
	}
	page = append(page, `],"total":`...)
	page = strconv.AppendInt(page, int64(g), 10)
	return append(page, '}'), nil
}

// serveGroupItems pages one group's records (those whose id-1 modulo the
// group count is the group's index), offset-paged like /v1/offset.
func (a *API) serveGroupItems(r *http.Request, _ http.Header) ([]byte, error) {
	q := r.URL.Query()
	g := a.groups()
	name := q.Get("group")
	k := 0
	if _, err := fmt.Sscanf(name, "g%d", &k); err != nil || k < 1 || k > g || groupName(k) != name {
		return nil, &paramError{"group", name, fmt.Sprintf("want a group id from %s to %s", groupName(1), groupName(g))}
	}
	offset, limit, err := positionAndLimit(q, "offset", 0, 0, "limit")
	if err != nil {
		return nil, err
	}
	all := a.data.snapshot()
	var recs [][]byte
	total := 0
	if k <= len(all) {
		total = (len(all)-k)/g + 1
	}
	for i := offset; i < min(offset+limit, total); i++ {
		recs = append(recs, all[k-1+i*g])
	}
	page := newPage(`{"data":[`, recs, 64)
	page = append(page, `],"total":`...)
	page = strconv.AppendInt(page, int64(total), 10)
	return append(page, '}'), nil
}

func (a *API) groups() int {
	if a.opts.Groups > 0 {
		return a.opts.Groups
	}
	return DefaultGroups
}
