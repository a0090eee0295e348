package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// MaxSpecSize bounds one document of a description, read from a file or a
// URL: GitHub's, among the largest published, is about 10 MB.
const MaxSpecSize = 20 << 20

// maxDocuments bounds how many documents $refs may pull in.
const maxDocuments = 200

// Spec is a loaded description.
type Spec struct {
	Doc     *openapi3.T
	Version string   // as the document says: 3.1.0, 3.0.3, 2.0
	Source  string   // the file or URL it was read from
	URL     *url.URL // the URL it was read from; nil for a file
}

// Load reads a description from a file or an http(s) URL: OpenAPI 3.0 or
// 3.1, or Swagger 2.0 (converted to 3.0), in YAML or JSON. $refs are
// resolved: within the document, and to other documents only of the same
// origin (the same scheme, host and port for a URL; the same folder or
// below for a file). Each document is read up to MaxSpecSize.
func Load(ctx context.Context, source string) (*Spec, error) {
	r := &reader{ctx: ctx, client: &http.Client{Timeout: 60 * time.Second}}
	var loc *url.URL
	s := &Spec{Source: source}
	if strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		u, err := url.Parse(source)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%s: not a URL", source)
		}
		loc, s.URL, r.origin = u, u, u
	} else {
		abs, err := filepath.Abs(source)
		if err != nil {
			return nil, err
		}
		loc = &url.URL{Path: filepath.ToSlash(abs)}
		r.root = filepath.Dir(abs)
	}
	data, err := r.read(loc)
	if err != nil {
		return nil, err
	}
	version, swagger, err := peekVersion(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	s.Version = version
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = r.readFromURI
	if swagger {
		var doc2 openapi2.T
		if err := openapi2.UnmarshalFromData(data, &doc2); err != nil {
			return nil, fmt.Errorf("%s: not a valid Swagger 2.0 description: %v", source, err)
		}
		doc3, err := openapi2conv.ToV3(&doc2)
		if err != nil {
			return nil, fmt.Errorf("%s: converting Swagger 2.0 to OpenAPI 3: %v", source, err)
		}
		if err := loader.ResolveRefsIn(doc3, loc); err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		s.Doc = doc3
		return s, nil
	}
	doc, err := loader.LoadFromDataWithPath(data, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, fmt.Errorf("%s: the description has no paths", source)
	}
	s.Doc = doc
	return s, nil
}

// peekVersion reads the openapi or swagger field, which says how to read
// the rest.
func peekVersion(data []byte) (version string, swagger bool, err error) {
	// Found by pattern, the version costs nothing; parsing a 10 MB
	// description twice would double its load time.
	re := yamlVersion
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		re = jsonVersion
	}
	if m := re.FindSubmatch(data); m != nil {
		return versionOf(string(m[1]), string(m[2]))
	}
	var head struct {
		OpenAPI any `yaml:"openapi"`
		Swagger any `yaml:"swagger"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return "", false, fmt.Errorf("not YAML or JSON: %v", err)
	}
	o, sw := fmt.Sprint(orEmpty(head.OpenAPI)), fmt.Sprint(orEmpty(head.Swagger))
	if o != "" {
		return versionOf("openapi", o)
	}
	return versionOf("swagger", sw)
}

var (
	yamlVersion = regexp.MustCompile(`(?m)^["']?(openapi|swagger)["']?[ \t]*:[ \t]*["']?([0-9][0-9.]*)["']?[ \t]*(?:#.*)?\r?$`)
	jsonVersion = regexp.MustCompile(`"(openapi|swagger)"\s*:\s*"([0-9][0-9.]*)"`)
)

// versionOf says how to read a description of this version.
func versionOf(field, v string) (version string, swagger bool, err error) {
	o, sw := "", ""
	if field == "openapi" {
		o = v
	} else {
		sw = v
	}
	switch {
	case strings.HasPrefix(o, "3."):
		return o, false, nil
	case sw == "2.0" || sw == "2":
		return "2.0", true, nil
	case o != "":
		return "", false, fmt.Errorf("openapi: %q is not a version siphon reads (3.0, 3.1, or swagger: \"2.0\")", o)
	case sw != "":
		return "", false, fmt.Errorf("swagger: %q is not a version siphon reads (2.0)", sw)
	}
	return "", false, errors.New("not an OpenAPI description: it has no openapi (3.x) or swagger (2.0) field at the top")
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// reader reads the documents of one description, keeping to its origin.
type reader struct {
	ctx    context.Context
	client *http.Client
	origin *url.URL // the description's URL; nil for a file
	root   string   // the description's folder, for a file
	docs   int
	cache  map[string][]byte
}

// readFromURI is the loader's way to the documents $refs name.
func (r *reader) readFromURI(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	key := u.String()
	if data, ok := r.cache[key]; ok {
		return data, nil
	}
	data, err := r.read(u)
	if err != nil {
		return nil, err
	}
	if r.cache == nil {
		r.cache = map[string][]byte{}
	}
	r.cache[key] = data
	return data, nil
}

// read reads one document, refusing what lies outside the origin.
func (r *reader) read(u *url.URL) ([]byte, error) {
	if r.docs++; r.docs > maxDocuments {
		return nil, fmt.Errorf("the description's $refs name more than %d documents", maxDocuments)
	}
	if r.origin != nil {
		if u.Scheme != r.origin.Scheme || u.Host != r.origin.Host {
			return nil, fmt.Errorf("$ref to %s: only documents from %s://%s are read", redactURL(u), r.origin.Scheme, r.origin.Host)
		}
		return r.get(u)
	}
	if u.Scheme != "" && u.Scheme != "file" || u.Host != "" {
		return nil, fmt.Errorf("$ref to %s: a description read from a file may refer only to files beside it", redactURL(u))
	}
	p := filepath.FromSlash(u.Path)
	if rel, err := filepath.Rel(r.root, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("$ref to %s: a description read from a file may refer only to files in its folder (%s)", p, r.root)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, p)
}

// get fetches one document over HTTP.
func (r *reader) get(u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/yaml, text/yaml, */*")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %v", redactURL(u), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: HTTP %d", redactURL(u), resp.StatusCode)
	}
	return readBounded(resp.Body, redactURL(u))
}

func readBounded(rd io.Reader, name string) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rd, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, err)
	}
	if n > MaxSpecSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxSpecSize>>20)
	}
	return buf.Bytes(), nil
}

// redactURL shows a URL without its query (which may hold a key) nor
// user info.
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}
