package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// Aliases for the partition configuration (see package spec).
type (
	PartitionsConfig = spec.PartitionsConfig
	IntPartitions    = spec.IntPartitions
	DatePartitions   = spec.DatePartitions
	FromPartitions   = spec.FromPartitions
)

// Partition is one slice of a partitioned profile's data, walked on its own
// with its own checkpoint and records under OUT/partitions/KEY/.
type Partition struct {
	Index int    `json:"index"` // place in declaration order, from 0
	Key   string `json:"key"`   // file-name-safe, unique within the profile
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	Value string `json:"value,omitempty"`
}

// PartitionsDir is the folder under a run's output that holds one folder
// per partition.
const PartitionsDir = "partitions"

// partitionRef matches the references a profile may use for its partition.
var partitionRef = regexp.MustCompile(`\$\{partition\.(start|end|value)\}`)

// ListPartitions expands a profile's partitions in declaration order. A
// from: partitioning reads the other profile's records in From.Dir.
func ListPartitions(cfg Config) ([]Partition, error) {
	p := cfg.Partitions
	if kinds := p.Kinds(); len(kinds) > 1 {
		return nil, fmt.Errorf("partitions: give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
	}
	var parts []Partition
	switch p.Kind() {
	case "":
		if p.Kinds() != nil {
			return nil, errors.New("partitions: ints and dates need every > 0, from needs profile")
		}
		return nil, nil
	case spec.PartitionInts:
		r := p.Ints
		if r.End <= r.Start {
			return nil, fmt.Errorf("partitions.ints: end (%d) must be greater than start (%d)", r.End, r.Start)
		}
		if n := (r.End - r.Start + r.Every - 1) / r.Every; n > maxPartitions {
			return nil, fmt.Errorf("partitions.ints: %d partitions, more than %d; raise every", n, maxPartitions)
		}
		// At least six digits, so that keys keep their width when end grows.
		width := max(6, len(strconv.Itoa(r.End)), len(strconv.Itoa(r.Start)))
		for s := r.Start; s < r.End; s += r.Every {
			e := min(s+r.Every, r.End)
			parts = append(parts, Partition{Key: fmt.Sprintf("%0*d-%0*d", width, s, width, e), Start: strconv.Itoa(s), End: strconv.Itoa(e)})
		}
	case spec.PartitionDates:
		r := p.Dates
		start, err := time.Parse(time.RFC3339, r.Start)
		if err != nil {
			return nil, fmt.Errorf("partitions.dates.start: %q is not an RFC 3339 time (2024-01-01T00:00:00Z)", r.Start)
		}
		end, err := time.Parse(time.RFC3339, r.End)
		if err != nil {
			return nil, fmt.Errorf("partitions.dates.end: %q is not an RFC 3339 time (2025-01-01T00:00:00Z)", r.End)
		}
		if !end.After(start) {
			return nil, fmt.Errorf("partitions.dates: end (%s) must be after start (%s)", r.End, r.Start)
		}
		// Windows are written as RFC 3339 times without fractions, and their
		// folders are named to the second: a window must be whole seconds.
		if r.Every < time.Second {
			return nil, fmt.Errorf("partitions.dates: every (%s) must be at least 1s: windows are whole seconds (for finer slices of data use partitions.ints, or pagination)", r.Every)
		}
		if r.Every%time.Second != 0 {
			return nil, fmt.Errorf("partitions.dates: every (%s) must be a whole number of seconds, e.g. %s", r.Every, r.Every.Truncate(time.Second))
		}
		if n := end.Sub(start) / r.Every; n > maxPartitions {
			return nil, fmt.Errorf("partitions.dates: %d partitions, more than %d; raise every", n, maxPartitions)
		}
		start, end = start.UTC(), end.UTC()
		days := r.Every%(24*time.Hour) == 0 && start.Equal(start.Truncate(24*time.Hour))
		for s := start; s.Before(end); s = s.Add(r.Every) {
			e := s.Add(r.Every)
			if e.After(end) {
				e = end
			}
			key := s.Format("2006-01-02T150405Z")
			if days {
				key = s.Format("2006-01-02")
			}
			parts = append(parts, Partition{Key: key, Start: s.Format(time.RFC3339), End: e.Format(time.RFC3339)})
		}
	case spec.PartitionValues:
		for _, v := range p.Values {
			parts = append(parts, Partition{Value: v})
		}
	case spec.PartitionFrom:
		vals, err := fromValues(p.From)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			parts = append(parts, Partition{Value: v})
		}
	}
	seen := map[string]bool{}
	for i := range parts {
		parts[i].Index = i
		if parts[i].Key == "" {
			parts[i].Key = valueKey(parts[i].Value)
		}
		if seen[parts[i].Key] {
			return nil, fmt.Errorf("partitions: %s appears twice", describePartition(parts[i]))
		}
		seen[parts[i].Key] = true
	}
	return parts, nil
}

// maxPartitions bounds a partition list: each is a folder and a walk.
const maxPartitions = 100_000

// valueKey is a value as a folder name: letters, digits, '.', '_' and '-'
// kept, anything else '_', with a short hash of the value added when
// anything was changed, so two values never share a folder.
func valueKey(v string) string {
	var b strings.Builder
	changed := v == "" || strings.HasPrefix(v, ".")
	for _, r := range v {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
	}
	key := b.String()
	if len(key) > 80 {
		key, changed = key[:80], true
	}
	if changed {
		sum := sha256.Sum256([]byte(v))
		key = strings.TrimLeft(key, ".") + "~" + hex.EncodeToString(sum[:4])
	}
	return key
}

// fromValues reads the values of a from: partitioning: the expression
// applied to each record of the other profile's output, distinct, in
// order. Only what that run's checkpoints vouch for is read.
func fromValues(f FromPartitions) ([]string, error) {
	if f.Dir == "" {
		return nil, fmt.Errorf("partitions.from: the output folder of profile %q is not known", f.Profile)
	}
	records := f.Records
	if records == "" {
		records = "."
	}
	expr, err := page.Compile(records)
	if err != nil {
		return nil, fmt.Errorf("partitions.from.records: %w", err)
	}
	files, err := vouchedRecordFiles(f.Dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("partitions.from: profile %q has not run yet (no records in %s); run it first: siphon run %s", f.Profile, f.Dir, f.Profile)
	}
	var vals []string
	seen := map[string]bool{}
	for _, vf := range files {
		if err := eachLine(vf.path, vf.size, func(line []byte) error {
			out, err := page.Parse(context.Background(), line).Values(expr)
			if err != nil {
				return fmt.Errorf("partitions.from.records %s on %s: %w", records, vf.path, err)
			}
			for _, v := range out {
				s := partitionValueText(v)
				if s != "" && !seen[s] {
					seen[s] = true
					vals = append(vals, s)
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("partitions.from: %s finds no values in profile %q's records", records, f.Profile)
	}
	return vals, nil
}

type vouchedFile struct {
	path string
	size int64
}

// vouchedRecordFiles lists a run's records files (one, or one per
// partition) with the length its checkpoint vouches for.
func vouchedRecordFiles(dir string) ([]vouchedFile, error) {
	var dirs []string
	if st, err := readRunState(dir); err != nil {
		return nil, err
	} else if st != nil {
		for _, p := range st.Partitions {
			dirs = append(dirs, filepath.Join(dir, PartitionsDir, p.Key))
		}
	} else {
		dirs = []string{dir}
	}
	var out []vouchedFile
	for _, d := range dirs {
		cp, err := ReadCheckpoint(d)
		if err != nil {
			return nil, err
		}
		if cp != nil && cp.RecordsBytes > 0 {
			out = append(out, vouchedFile{filepath.Join(d, RecordsFile), cp.RecordsBytes})
		}
	}
	return out, nil
}

// eachLine calls fn with each line of the first size bytes of path.
func eachLine(path string, size int64, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, size))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			if err := fn(line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

// partitionValueText is a JSON value as a partition value: a string as itself,
// null as nothing, anything else as its JSON text.
func partitionValueText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// usesPartitionRefs reports whether any field a request is made of
// mentions ${partition.*}, and which.
func partitionRefs(cfg *Config) map[string]bool {
	refs := map[string]bool{}
	add := func(s string) {
		for _, m := range partitionRef.FindAllStringSubmatch(s, -1) {
			refs[m[1]] = true
		}
	}
	add(cfg.Path)
	add(string(cfg.Body))
	for _, v := range cfg.Params {
		add(v)
	}
	for _, v := range cfg.Headers {
		add(v)
	}
	return refs
}

// checkPartitionRefs refuses references that the partitioning cannot fill.
func checkPartitionRefs(cfg *Config) error {
	refs := partitionRefs(cfg)
	kind := cfg.Partitions.Kind()
	switch {
	case len(refs) > 0 && kind == "":
		return errors.New("${partition.*} is used but the profile has no partitions")
	case kind == "":
		return nil
	case (refs["start"] || refs["end"]) && (kind == spec.PartitionValues || kind == spec.PartitionFrom):
		return fmt.Errorf("partitions.%s gives ${partition.value}, not ${partition.start} or ${partition.end}", kind)
	case refs["value"] && (kind == spec.PartitionInts || kind == spec.PartitionDates):
		return fmt.Errorf("partitions.%s gives ${partition.start} and ${partition.end}, not ${partition.value}", kind)
	case len(refs) == 0:
		return errors.New("partitions are set but no path, params, headers or body use ${partition.start}, ${partition.end} or ${partition.value}: every partition would fetch the same data")
	}
	return nil
}

// forPartition is cfg with the partition's references filled in. A value
// goes into the path as one escaped segment (PartitionPathSegment); into
// params and headers as text (the query is escaped when the URL is built);
// into the body as a JSON string's content. A value that cannot be sent
// safely (a dot segment in the path, CR, LF or NUL anywhere) is refused
// with the partition named: it fails alone, before any request.
func forPartition(cfg Config, p Partition) (Config, error) {
	const inText, inPath, inBody = 0, 1, 2
	var bad error
	fill := func(s string, mode int, where string) string {
		return partitionRef.ReplaceAllStringFunc(s, func(ref string) string {
			var v string
			switch ref {
			case "${partition.start}":
				v = p.Start
			case "${partition.end}":
				v = p.End
			default:
				v = p.Value
			}
			if err := checkRequestValue(v); err != nil {
				if bad == nil {
					bad = partitionValueError(p, ref, where, err)
				}
				return ""
			}
			switch mode {
			case inBody: // escaped as a string's content
				b, _ := json.Marshal(v)
				return string(b[1 : len(b)-1])
			case inPath: // one segment: a slash is escaped, never a separator
				seg, err := PartitionPathSegment(v)
				if err != nil && bad == nil {
					bad = partitionValueError(p, ref, where, err)
				}
				return seg
			}
			return v
		})
	}
	cfg.Path = fill(cfg.Path, inPath, "path")
	if len(cfg.Body) > 0 {
		cfg.Body = json.RawMessage(fill(string(cfg.Body), inBody, "body"))
	}
	cfg.Params = fillMap(cfg.Params, func(k, s string) string { return fill(s, inText, "params."+k) })
	cfg.Headers = fillMap(cfg.Headers, func(k, s string) string { return fill(s, inText, "headers."+k) })
	cfg.Partitions = PartitionsConfig{}
	if bad != nil {
		return Config{}, bad
	}
	return cfg, nil
}

// PartitionValueError is a partition whose value cannot be sent: it fails
// on its own, before any request, and retrying cannot help.
type PartitionValueError struct {
	Index int
	Key   string
	Ref   string // ${partition.value}, ${partition.start} or ${partition.end}
	Where string // path, body, params.NAME, headers.NAME
	Err   error
}

func (e *PartitionValueError) Error() string {
	return fmt.Sprintf("partition %d (%s): %s in %s: %v; this partition is not fetched (retrying cannot help)", e.Index, e.Key, e.Ref, e.Where, e.Err)
}

func (e *PartitionValueError) Unwrap() error { return e.Err }

func partitionValueError(p Partition, ref, where string, err error) error {
	return &PartitionValueError{Index: p.Index, Key: p.Key, Ref: ref, Where: where, Err: err}
}

// ErrUnsafeValue is a value that would change what a request asks for:
// a dot segment in a path, or a line break or NUL anywhere.
var ErrUnsafeValue = errors.New("value refused")

// checkRequestValue refuses CR, LF and NUL, which no header, query or path
// can carry as they are: a header would be split, and the request could
// never succeed however often it was retried.
func checkRequestValue(v string) error {
	if i := strings.IndexAny(v, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%w: the value %s holds a control character (%q at byte %d); CR, LF and NUL are never sent", ErrUnsafeValue, quoteClip(v), v[i], i)
	}
	return nil
}

// PartitionPathSegment is v escaped as exactly one path segment: every
// byte but letters, digits and -._~ (and the few sub-delimiters a segment
// may hold) is percent-encoded, so '/' becomes %2F and '%' becomes %25.
// A value that is, or decodes (once or more) to, "." or ".." is refused,
// as is an empty value or one with CR, LF or NUL: any of them would make
// the request ask for another path than the profile names.
func PartitionPathSegment(v string) (string, error) {
	if err := checkRequestValue(v); err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("%w: an empty value would leave an empty path segment", ErrUnsafeValue)
	}
	if isDotSegment(v) {
		return "", fmt.Errorf("%w: the value %s is a dot segment (. or .., possibly percent-encoded) and would move the request to another path", ErrUnsafeValue, quoteClip(v))
	}
	return url.PathEscape(v), nil
}

// isDotSegment reports whether v is "." or "..", as it is or after one or
// more rounds of percent-decoding (a server or proxy may decode twice).
// Each round that changes v shortens it, so the loop ends.
func isDotSegment(v string) bool {
	for {
		if v == "." || v == ".." {
			return true
		}
		u, err := url.PathUnescape(v)
		if err != nil || u == v {
			return false
		}
		v = u
	}
}

// quoteClip quotes a value for a message, clipped to a readable length.
func quoteClip(v string) string {
	if len(v) > 80 {
		v = v[:80] + "…"
	}
	return strconv.Quote(v)
}

func fillMap(m map[string]string, fill func(k, v string) string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fill(k, v)
	}
	return out
}

// checkPartitions refuses a partitioning that cannot run: two kinds, bad
// windows, references the partitioning cannot fill.
func checkPartitions(cfg *Config) error {
	if err := checkPartitionRefs(cfg); err != nil {
		return err
	}
	if cfg.Concurrency < 0 {
		return fmt.Errorf("concurrency must be 1 or more, got %d", cfg.Concurrency)
	}
	if kinds := cfg.Partitions.Kinds(); len(kinds) > 1 {
		return fmt.Errorf("partitions: give exactly one of ints, dates, values, from; got %s", strings.Join(kinds, " and "))
	}
	if cfg.Partitions.Kind() == spec.PartitionFrom {
		if _, err := page.Compile(cmpOr(cfg.Partitions.From.Records, ".")); err != nil {
			return fmt.Errorf("partitions.from.records: %w", err)
		}
		return nil
	}
	_, err := ListPartitions(*cfg)
	return err
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
