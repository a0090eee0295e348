package probe

import (
	"reflect"
	"strconv"

	"siphon/ingest/bodyformat"
	"siphon/ingest/paginate"
	"siphon/ingest/spec"
)

// Apply takes the probe's findings into cfg: records, pagination, primary
// key; the query parameters the paginator now sends itself leave
// cfg.Params (a page size found there becomes pagination.limit, a keyset or
// timestamp filter becomes pagination.start).
func (r *Report) Apply(cfg spec.Config) spec.Config {
	cfg.Records, cfg.Pagination = r.Records, r.Pagination
	if cfg.Format == "" && converted(r.Format) {
		cfg.Format = r.Format // said in the profile: an API's Content-Type may drift
	}
	if cfg.ErrorWhen == "" && r.ErrorWhen != "" {
		cfg.ErrorWhen, cfg.ErrorMessage = r.ErrorWhen, r.ErrorMessage
	}
	if r.PrimaryKey != "" {
		cfg.PrimaryKey = []string{r.PrimaryKey}
	}
	params := make(map[string]string, len(cfg.Params))
	for k, v := range cfg.Params {
		params[k] = v
	}
	cfg.Params = params
	p := &cfg.Pagination
	pag, err := paginate.New(*p, nil)
	if err != nil {
		return cfg
	}
	if param := pag.Param(); param != "" {
		for _, name := range []string{param, p.LimitParam} {
			v, ok := params[name]
			if name == "" || !ok {
				continue
			}
			if name == p.LimitParam && p.Limit == 0 {
				p.Limit, _ = strconv.Atoi(v)
			}
			if name == param && pag.Incremental() {
				p.Start = v
			}
			delete(params, name)
		}
	}
	if p.Start != "" && !startMatters(*p) {
		p.Start = ""
	}
	return cfg
}

// converted reports a format read by conversion to JSON.
func converted(format string) bool {
	return format == bodyformat.FormatXML || format == bodyformat.FormatCSV || format == bodyformat.FormatTSV
}

// startMatters reports whether pagination.start moves where a walk begins:
// a style that ignores it, or a start equal to the style's own, is left
// out of the profile.
func startMatters(p spec.PaginationConfig) bool {
	with, err := paginate.New(p, nil)
	if err != nil {
		return true // keep what the user will have to correct
	}
	p.Start = ""
	without, err := paginate.New(p, nil)
	return err != nil || !reflect.DeepEqual(with.Position(), without.Position())
}
