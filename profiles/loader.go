package profiles

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// Profile is a loaded, validated profile.
type Profile struct {
	Config spec.Config
	Path   string // the file it came from; "" for built-ins

	// sensitive keeps the text as written of sensitive headers and params
	// ("headers.X" → "Bearer ${TOKEN}"), so Format shows references.
	sensitive map[string]string
	// written keeps, by field path ("params.team", "body.query.id"), the
	// text as written of every value resolved from a reference, with the
	// value it resolved to: writing the profile back shows the reference
	// wherever the value is still the one it came from, whatever the
	// field's name.
	written map[string]asWritten

	// Hash is the SHA-256 of the file's content: what an approval is for.
	Hash string
	// accesses: what it reads, runs, writes and sends (see Accesses).
	accesses []Access
}

// asWritten is a value's text in the file and what it resolved to.
type asWritten struct{ text, value string }

// writtenAs is the text as written of the field at path when its value
// is still value.
func (p *Profile) writtenAs(path, value string) (string, bool) {
	w, ok := p.written[path]
	if !ok || w.value != value {
		return "", false
	}
	return w.text, true
}

// Loader loads profile files.
type Loader struct {
	LookupEnv   func(string) (string, bool) // default os.LookupEnv
	SkipSecrets bool                        // keep secret references unresolved (list, show): no env or secret files needed
	// Approvals is where the user's approvals are kept; nil: the default
	// store in siphon's config folder.
	Approvals *Approvals
	// Trusted: the caller vouches for the content (profiles built into the
	// binary), so it needs no approval.
	Trusted bool
	// Env names the environment (--env NAME) whose file,
	// PROFILE_DIR/env/NAME.env, overrides ${VAR}s; "": none. The
	// folder's .env fills in what the environment does not set, always.
	Env string
	// CheckExpr checks a jq expression (records, cursor_path, stop_when...)
	// and says what is wrong with it; the loader adds the file position.
	// It is the engine's (page.Check): this package does not link the jq
	// engine. nil: expressions are not checked here, only when a run
	// compiles them, without a position.
	CheckExpr func(string) error
}

// LoadFile reads and validates the profile at path.
func (l Loader) LoadFile(path string) (*Profile, error) {
	data, err := readProfileFile(path)
	if err != nil {
		return nil, err
	}
	p, err := l.LoadBytes(path, data)
	if err != nil {
		return nil, err
	}
	p.Path = path
	return p, nil
}

// LoadBytes validates a profile held in memory. filename names it in
// messages, and its folder is the base of relative paths.
func (l Loader) LoadBytes(filename string, data []byte) (*Profile, error) {
	p, err := l.load(filename, data)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// load returns whatever it could read even when there are errors, so that
// Discover can still name a broken profile.
func (l Loader) load(filename string, data []byte) (*Profile, error) {
	return l.loadTree(filename, data, nil)
}

// tree is a profile file's YAML as parsed, with the problems parsing
// found: finding a profile by name parses each file, and hands the one it
// finds on to be loaded, so that no file is parsed twice (a list of 50,000
// values is a YAML tree of some 8 MB).
type tree struct {
	root     *yaml.Node // nil when there is no usable document
	problems []*Error
}

// parseTree parses data as load does.
func parseTree(filename string, data []byte) *tree {
	d := newDecoder(filename, nil, true)
	root := d.parse(data)
	return &tree{root: root, problems: d.errs}
}

// loadTree is load of data, parsed already when t is not nil.
func (l Loader) loadTree(filename string, data []byte, t *tree) (*Profile, error) {
	d := newDecoder(filename, l.LookupEnv, l.SkipSecrets)
	d.checkExpr = l.CheckExpr
	if d.lookupEnv == nil {
		d.lookupEnv = os.LookupEnv
	}
	dir, err := filepath.Abs(filepath.Dir(filename))
	if err != nil {
		return nil, err
	}
	d.dir = dir
	p := &Profile{sensitive: map[string]string{}, Hash: ContentHash(data)}
	d.approved = l.Trusted || l.approvals().Approved(p.Hash)
	if !l.SkipSecrets && !l.Trusted {
		d.lookupEnv = d.envLookup(d.lookupEnv, l.Env)
	}
	if len(data) > MaxProfileSize {
		d.at(nil, "", "the file is %d KiB; a profile is at most %d KiB", len(data)>>10, MaxProfileSize>>10)
		return p, d.err()
	}
	if t == nil {
		t = parseTree(filename, data)
	}
	d.errs = append(d.errs, t.problems...)
	if t.root != nil {
		d.profile(t.root, p)
	}
	if out := p.Config.Output.Dir; out != "" {
		d.mayTouch(Access{Kind: Writes, Field: "output.dir", What: out, Contained: outputContained(out, d.dir)})
	}
	p.accesses = d.accesses
	if err := d.err(); err != nil {
		return p, err
	}
	if len(d.blocked) > 0 && !l.SkipSecrets {
		return p, &ApprovalError{Path: filename, Pending: d.blocked, Profile: p}
	}
	return p, nil
}

// MaxProfileSize bounds a profile file: a profile is a page of YAML, and a
// 300 MB one must not take minutes and gigabytes to refuse.
const MaxProfileSize = 1 << 20

func (l Loader) approvals() *Approvals {
	if l.Approvals != nil {
		return l.Approvals
	}
	return DefaultApprovals()
}

func newDecoder(filename string, lookupEnv func(string) (string, bool), skipSecrets bool) *decoder {
	return &decoder{problems: problems{file: filename}, lookupEnv: lookupEnv, skipSecrets: skipSecrets,
		entries: map[string]entry{}, ok: map[string]bool{}, written: map[string]asWritten{}}
}

// yamlLine finds the line in a YAML parser message ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parse returns the single document's root node, or nil after reporting
// why there is none.
func (d *decoder) parse(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.at(nil, "", "the file is empty; a profile is a YAML mapping with at least base_url")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.at(&extra, "", "a profile file holds one YAML document; remove the second (---)")
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.at(root, "", "a profile is a YAML mapping of keys such as name and base_url, got %s", describe(root))
		return nil
	}
	return root
}

// syntaxError reports a YAML parser error, which gives a line but no column.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: "invalid YAML: " + msg})
}
