package curlimport

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// builder turns a request into a profile, collecting notes and variables.
type builder struct {
	req   *request
	reg   *registry
	p     *profile
	notes []string

	// From the data options (-d, --json, ...):
	dataQuery []queryParam // with -G, the data goes to the query
	fromJSON  bool         // --json was used: curl adds JSON headers
	dataPos   int
}

func (b *builder) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// build makes the profile. Its order matters: the Authorization header
// takes auth first, then an API key header, then an API key parameter.
func (b *builder) build(name string) (*profile, error) {
	b.notes = append(b.notes, b.req.notes...)
	t, err := b.target()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = nameFromHost(t.host)
	}
	b.p = &profile{name: name}
	b.p.baseURL = b.plainText(t.pos, t.base, "BASE_URL", "the URL")
	b.p.path = b.plainText(t.pos, t.path, "PATH_TOKEN", "the URL path")
	b.chooseAuth(t)
	b.data()
	b.chooseMethod()
	b.headers()
	b.params(t)
	b.bodySecrets(b.p.body, b.dataPos, "")
	b.options()
	b.note("records: . and pagination: none are placeholders: run siphon probe %s to see what the API returns, then set them", name)
	return b.p, nil
}

// target picks the URL: the first one, as only one request is imported.
func (b *builder) target() (target, error) {
	urls := b.req.urls
	if len(urls) == 0 {
		return target{}, fmt.Errorf("no URL found: give the API's http(s) URL as an argument or with --url")
	}
	if len(urls) > 1 {
		b.note("the command has %d URLs: imported the first, ignored the others", len(urls))
	}
	t, notes, err := splitURL(urls[0])
	b.notes = append(b.notes, notes...)
	return t, err
}

// nameFromHost makes a profile name from a host: api.github.com gives github.
func nameFromHost(host string) string {
	host = strings.ToLower(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(host, ".")
	if net.ParseIP(strings.Trim(host, "[]")) == nil && len(labels) >= 2 {
		labels = labels[:len(labels)-1] // the top-level domain
		if len(labels) > 1 && len(labels[len(labels)-1]) <= 3 && len(labels[len(labels)-2]) > 3 {
			labels = labels[:len(labels)-1] // co.uk and the like
		}
		host = labels[len(labels)-1]
	}
	var n strings.Builder
	for _, c := range host {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' {
			n.WriteRune(c)
		}
	}
	if checkName(n.String()) != nil {
		return "api"
	}
	return n.String()
}

// plainText makes a profile value of text that is not a secret as a whole:
// a well-known credential inside it (a token in a path) still becomes a
// variable, and $NAME from the command becomes ${NAME}.
func (b *builder) plainText(pos int, s, suffix, where string) text {
	var t text
	for {
		start, end, ok := findSecretValue(s)
		if !ok || strings.Count(s[:start], string(markOpen)) != strings.Count(s[:start], string(markClose)) {
			break // none, or inside a $(...) the command runs
		}
		ref := b.reg.secret(pos, suffix, "a credential in "+where, s[start:end])
		t = append(t, piece{lit: s[:start]}, piece{ref: ref})
		s = s[end:]
	}
	t = append(t, piece{lit: s})
	for _, p := range t {
		for _, e := range expansions(p.lit) {
			if e.name != "" {
				b.reg.env(pos, e.name, "the command reads $"+e.name+" in "+where)
			} else {
				b.note("%s runs $(%s), which siphon cannot do: replace it with its output", where, excerpt(e.command))
			}
		}
	}
	return t
}

// data sorts the data options: into the query with -G, else into a JSON
// body; a form body is dropped, since profiles send JSON.
func (b *builder) data() {
	var parts, jsonParts []string
	b.dataPos = -1
	for _, d := range b.req.data {
		s, ok := b.dataText(d)
		if !ok {
			continue
		}
		if b.dataPos < 0 {
			b.dataPos = d.pos
		}
		if d.kind == dataJSON {
			b.fromJSON = true
			jsonParts = append(jsonParts, s)
		} else {
			parts = append(parts, s)
		}
	}
	all := strings.Join(parts, "&") // curl joins data options with &
	if j := strings.Join(jsonParts, ""); j != "" {
		all = strings.TrimPrefix(all+"&"+j, "&")
	}
	switch {
	case b.req.get:
		b.dataQuery = parseQuery(all, b.dataPos)
	case all == "":
	default:
		node, dups, err := parseJSON(all)
		switch {
		case err == nil:
			b.p.body = node
			for _, k := range dups {
				b.note("the JSON body has key %q twice: kept the last value", excerpt(k))
			}
		case strings.HasPrefix(strings.TrimSpace(all), "{") || strings.HasPrefix(strings.TrimSpace(all), "["):
			b.note("dropped the body: it looks like JSON but does not parse (%v)", err)
		default:
			b.note("dropped the form body (%s): profiles send JSON bodies only; with -G curl would send the fields in the query", fieldNames(all))
		}
	}
}

// dataText is what curl sends for one data option, or false for a file.
func (b *builder) dataText(d dataPart) (string, bool) {
	if d.kind == dataURLEncode {
		name, content, isFile := splitURLEncode(d.text)
		if isFile {
			b.note("dropped %s with @file: siphon cannot read the file; put its content in the profile", d.opt)
			return "", false
		}
		if name == "" {
			return url.QueryEscape(content), true
		}
		return name + "=" + url.QueryEscape(content), true
	}
	if d.kind != dataRaw && strings.HasPrefix(d.text, "@") {
		b.note("dropped %s @file: siphon cannot read the file; put its content in the profile's body:", d.opt)
		return "", false
	}
	return d.text, true
}

// splitURLEncode reads --data-urlencode's forms: content, =content,
// name=content, @file and name@file.
func splitURLEncode(s string) (name, content string, isFile bool) {
	if i := strings.IndexByte(s, '='); i >= 0 {
		return s[:i], s[i+1:], false
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return "", s, false
}

// fieldNames lists a form body's field names, not their values.
func fieldNames(form string) string {
	var names []string
	for _, q := range parseQuery(form, 0) {
		if len(names) == 5 {
			names = append(names, "...")
			break
		}
		names = append(names, excerpt(q.key))
	}
	if len(names) == 0 {
		return "no fields"
	}
	return "fields " + strings.Join(names, ", ")
}

// chooseMethod sets GET or POST, the two a profile knows.
func (b *builder) chooseMethod() {
	r := b.req
	sendsData := (len(r.data) > 0 && !r.get) || r.form
	m := r.method
	switch {
	case m == "" && r.head:
		m = "GET"
		b.note("dropped -I/--head: a HEAD request returns no records; the profile uses GET")
	case m == "" && sendsData:
		m = "POST"
	case m == "":
		m = "GET"
	case m == "GET" && b.p.body != nil:
		m = "POST"
		b.note("curl sent GET with a body; a profile sends a body only with POST, so the method is POST (most APIs that read a GET body, like Elasticsearch, accept POST)")
	case m != "GET" && m != "POST":
		was := m
		m = "GET"
		if b.p.body != nil || sendsData {
			m = "POST"
		}
		b.note("method %s is not available in a profile (GET or POST): used %s", excerpt(was), m)
	}
	b.p.method = m
}

// options carries over TLS, the timeout and the notes about dropped
// output options.
func (b *builder) options() {
	r := b.req
	if r.insecure {
		b.p.insecure = true
		b.note("WARNING: -k/--insecure turns TLS certificate checks off: the profile has tls.insecure_skip_verify: true, so anyone on the network path can read its credentials; fix the certificate or set tls.ca_file, then remove it")
	}
	if r.maxTime != nil {
		secs, err := strconv.ParseFloat(strings.TrimSpace(r.maxTime.text), 64)
		d := time.Duration(secs * float64(time.Second)).Round(time.Millisecond)
		if err != nil || secs <= 0 || secs > 24*3600 || d <= 0 {
			b.note("dropped %s: expected a number of seconds", r.maxTime.opt)
		} else {
			b.p.timeout = d
		}
	}
	if len(r.quiet) > 0 {
		b.note("dropped options that only change curl's output: %s", strings.Join(r.quiet, ", "))
	}
}
