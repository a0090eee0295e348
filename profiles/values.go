package profiles

import (
	"errors"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// duration returns a positive Go duration such as 1s or 250ms.
func (d *decoder) duration(n *yaml.Node, field string) (time.Duration, bool) {
	n = deref(n)
	if isNull(n) {
		return 0, false
	}
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		d.at(n, field, "expected a duration such as 30s or 250ms, got %s (a duration needs a unit)", n.Value)
		return 0, false
	}
	if !isText(n) {
		d.at(n, field, "expected a duration such as 30s or 250ms, got %s", describe(n))
		return 0, false
	}
	s, ok := d.interpolate(n, field, n.Value)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.at(n, field, "expected a duration such as 30s or 250ms, got %q", s)
		return 0, false
	}
	if v <= 0 {
		d.at(n, field, "must be greater than 0, got %s", s)
		return 0, false
	}
	return v, true
}

// httpURL returns an absolute http or https URL with a host.
func (d *decoder) httpURL(n *yaml.Node, field string) (string, bool) {
	s, ok := d.text(n, field)
	if !ok {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		d.at(deref(n), field, "expected an absolute http or https URL with a host, got %q", redactURL(s))
		return "", false
	}
	if u.User != nil {
		d.at(deref(n), field, "must not hold credentials; put them in auth as ${VAR} or file:PATH references")
		return "", false
	}
	return s, true
}

// redactURL keeps credentials out of a message about a bad URL: any
// user:password part, and the query, which may hold a key.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i] + "?..."
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		return s
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		rest = "REDACTED@" + rest[at+1:]
	}
	return scheme + "://" + rest
}

// jq returns a jq expression, checked by the loader's CheckExpr if set.
func (d *decoder) jq(n *yaml.Node, field string) (string, bool) {
	s, ok := d.nonEmptyText(n, field)
	if !ok {
		return "", false
	}
	if d.checkExpr == nil {
		return s, true
	}
	if err := d.checkExpr(s); err != nil {
		d.at(deref(n), field, "invalid jq expression %q: %v", s, err)
		return "", false
	}
	return s, true
}

// absPath resolves a path from a profile: ~/ is the home folder, and a
// relative path is relative to the profile's folder.
func (d *decoder) absPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	return filepath.Clean(p), nil
}

// existingFile returns the absolute path of a file that must exist; an
// empty string means not given.
func (d *decoder) existingFile(n *yaml.Node, field string) (string, bool) {
	s, ok := d.text(n, field)
	if !ok || s == "" {
		return "", false
	}
	p, err := d.absPath(s)
	if err != nil {
		d.at(deref(n), field, "cannot resolve %s: %v", s, err)
		return "", false
	}
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.at(deref(n), field, "file %s does not exist", p)
		return "", false
	case err != nil:
		d.at(deref(n), field, "cannot read %s: %v", p, unwrapPathErr(err))
		return "", false
	case info.IsDir():
		d.at(deref(n), field, "%s is a folder, not a file", p)
		return "", false
	}
	return p, true
}

// unwrapPathErr drops the path an *fs.PathError repeats.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// hostPort checks a host or host:port entry of allowed_hosts.
func hostPort(s string) error {
	// "http://host[:port]" names one exact plain-http origin: the only way
	// to let a next page or redirect leave an https base_url for http.
	s = strings.TrimPrefix(s, "http://")
	if strings.Contains(s, "/") {
		return errors.New("expected a host or host:port, not a URL")
	}
	host := s
	if strings.Contains(s, ":") && net.ParseIP(s) == nil {
		h, port, err := net.SplitHostPort(s)
		if err != nil {
			return errors.New("expected a host or host:port")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return errors.New("the port must be a number from 1 to 65535")
		}
		host = h
	}
	if host == "" {
		return errors.New("the host is empty")
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	for _, c := range host {
		if !(c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return errors.New("expected a host name of letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}
