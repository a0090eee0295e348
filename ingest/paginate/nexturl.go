package paginate

import (
	"fmt"
	"net/url"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// nextURL follows the URL of the next page that the body gives
// (next_url_path), absolute or relative to the page's own; the walk ends
// when a page gives none.
type nextURL struct {
	cfg  spec.PaginationConfig
	path *page.Expr
}

func newNextURL(cfg spec.PaginationConfig, _ []string) (Style, error) {
	path, err := compile(cfg.NextURLPath)
	if err != nil {
		return nil, err
	}
	if path == nil && cfg.NextURLHeader == "" {
		return nil, fmt.Errorf("pagination: next_url needs next_url_path or next_url_header")
	}
	return &nextURL{cfg: cfg, path: path}, nil
}

func (s *nextURL) Start() Position { return Position{} }

func (s *nextURL) Request(pos Position, q url.Values) Request { return followRequest(pos, q) }

func (s *nextURL) Next(pos *Position, r *Response) (Next, error) {
	next, where := headerValue(r, s.cfg.NextURLHeader), "next_url_header "+s.cfg.NextURLHeader
	if s.path != nil {
		var err error
		if next, err = text(s.path, "next_url_path", r.Page); err != nil {
			return Next{}, err
		}
		where = "next_url_path " + s.cfg.NextURLPath
	}
	if next == "" {
		return Next{Stop: StopNoNextURL, Missing: "URL at " + where}, nil
	}
	return follow(pos, r, next)
}

func (s *nextURL) Describe(pos Position) string { return pos.NextURL }

// followRequest is the first request, or the URL a page led to.
func followRequest(pos Position, q url.Values) Request {
	if pos.NextURL != "" {
		return Request{URL: pos.NextURL}
	}
	return Request{Query: q}
}

// follow moves to a next page's URL, resolved against the page's own.
func follow(pos *Position, r *Response, next string) (Next, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return Next{}, fmt.Errorf("next page URL %q: %w", next, err)
	}
	abs := r.URL.ResolveReference(ref)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return Next{}, fmt.Errorf("next page URL has scheme %q; only http and https are followed", abs.Scheme)
	}
	pos.NextURL = abs.String()
	return Next{Follow: pos.NextURL, Noun: "link", Loop: "URL"}, nil
}
