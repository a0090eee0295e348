package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The read view of a prefix (store.Location.ReadFS): an fs.FS over its
// objects for the output's readers (replay, state rewind, the console).
// A folder is a "/" in keys, listed with a delimiter; a file is read with
// ranged GETs, so a page's body is read at its offset without
// downloading the segment it lies in. Every read of a file is pinned to
// the ETag it was opened with: an object replaced meanwhile is an error,
// never a mix of two versions. The bucket is hostile input: a name that is
// not a plain path element (control characters, invalid UTF-8, "..") is
// left out of listings and refused by Open, a listing is bounded, and a
// read never takes more than was asked.

// ReadFS is the prefix as a read-only fs.FS, not holding it.
func (l Location) ReadFS() (fs.FS, error) {
	b, err := l.bucket()
	if err != nil {
		return nil, err
	}
	return prefixFS{b: b, loc: l}, nil
}

// prefixFS is a Location's read view.
type prefixFS struct {
	b   bucket
	loc Location
}

// maxListed bounds the names one folder of the view lists: a quarter of a
// million segments is two terabytes of records at 8 MiB a segment.
const maxListed = 250_000

// readTries is how often a read whose connection broke is taken up again
// at the byte it reached, before its error is given.
const readTries = 3

// plainName is a name siphon could have written: valid UTF-8 without
// control characters (which could drive a terminal that shows it), nor
// U+FFFD, which a store lists in place of a character its XML cannot
// carry (a key listed so cannot be opened by that name).
func plainName(name string) bool {
	return utf8.ValidString(name) && !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// Open opens a file (an object) or a folder (a key prefix) of the view.
func (p prefixFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) || !plainName(name) {
		return nil, &fs.PathError{Op: "open", Path: fmt.Sprintf("%q", name), Err: fs.ErrInvalid}
	}
	if name == "." {
		return &prefixDir{fs: p, info: dirInfo{"."}, dir: p.loc.dir()}, nil
	}
	key := p.loc.key(name)
	info, err := p.b.head(key)
	if err == nil {
		info.name = path.Base(name)
		return &objectFile{b: p.b, key: key, info: info}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if names, err := p.b.children(key+"/", 1); err != nil {
		return nil, err
	} else if len(names) == 0 {
		return nil, &fs.PathError{Op: "open", Path: p.b.url(key), Err: fs.ErrNotExist}
	}
	return &prefixDir{fs: p, info: dirInfo{path.Base(name)}, dir: key + "/"}, nil
}

// ReadDir lists a folder with one listing, not Open's look first.
func (p prefixFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) || !plainName(name) {
		return nil, &fs.PathError{Op: "readdir", Path: fmt.Sprintf("%q", name), Err: fs.ErrInvalid}
	}
	dir := p.loc.dir()
	if name != "." {
		dir = p.loc.key(name) + "/"
	}
	entries, err := p.b.listDir(dir)
	if err == nil && len(entries) == 0 && name != "." {
		err = &fs.PathError{Op: "readdir", Path: p.b.url(dir), Err: fs.ErrNotExist}
	}
	return entries, err
}

// objInfo is an object as a file.
type objInfo struct {
	name string
	size int64
	mod  time.Time
	etag string
}

func (i objInfo) Name() string       { return i.name }
func (i objInfo) Size() int64        { return i.size }
func (i objInfo) Mode() fs.FileMode  { return 0o444 }
func (i objInfo) ModTime() time.Time { return i.mod }
func (i objInfo) IsDir() bool        { return false }
func (i objInfo) Sys() any           { return nil }

// dirInfo is a key prefix as a folder.
type dirInfo struct{ name string }

func (i dirInfo) Name() string       { return i.name }
func (i dirInfo) Size() int64        { return 0 }
func (i dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (i dirInfo) ModTime() time.Time { return time.Time{} }
func (i dirInfo) IsDir() bool        { return true }
func (i dirInfo) Sys() any           { return nil }

// modTime is an object's time as both a listing and a HEAD give it: HTTP
// dates have whole seconds.
func modTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

// head is an object's size, time and ETag; an error that is
// fs.ErrNotExist when there is none.
func (b bucket) head(key string) (objInfo, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	out, err := b.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.name, Key: &key})
	if isNotFound(err) {
		return objInfo{}, &fs.PathError{Op: "open", Path: b.url(key), Err: fs.ErrNotExist}
	}
	if err != nil {
		return objInfo{}, explain("reading", b.url(key), err)
	}
	size := aws.ToInt64(out.ContentLength)
	if size < 0 {
		return objInfo{}, fmt.Errorf("reading %s: the store gives it a length of %d", b.url(key), size)
	}
	return objInfo{size: size, mod: modTime(out.LastModified), etag: aws.ToString(out.ETag)}, nil
}

// listDir lists the names directly under dir (objects and sub-prefixes),
// sorted, plain names only (an object wins over a prefix of its name), at
// most maxListed.
func (b bucket) listDir(dir string) ([]fs.DirEntry, error) {
	seen := map[string]bool{}
	var out []fs.DirEntry
	add := func(name string, info fs.FileInfo) error {
		if name == "" || strings.Contains(name, "/") || !plainName(name) || seen[name] {
			return nil
		}
		if len(out) >= maxListed {
			return fmt.Errorf("listing %s: more than %d names, not an output siphon wrote", b.url(dir), maxListed)
		}
		seen[name] = true
		out = append(out, fs.FileInfoToDirEntry(info))
		return nil
	}
	// Keys come URL-encoded where the store does that (XML cannot carry
	// every character a key may hold), so that a control character in a
	// key is seen, and left out, rather than mangled into another name.
	p := s3.NewListObjectsV2Paginator(b.c, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: &dir, Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	var prefixes []string
	for p.HasMorePages() {
		ctx, cancel := ctxOp()
		page, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			return nil, explain("listing", b.url(dir), err)
		}
		decode := func(k *string) (string, bool) {
			if page.EncodingType != types.EncodingTypeUrl {
				return aws.ToString(k), true
			}
			key, err := url.QueryUnescape(aws.ToString(k))
			return key, err == nil
		}
		for _, o := range page.Contents {
			key, ok := decode(o.Key)
			name, under := strings.CutPrefix(key, dir)
			if !ok || !under {
				continue
			}
			if err := add(name, objInfo{name: name, size: max(aws.ToInt64(o.Size), 0), mod: modTime(o.LastModified)}); err != nil {
				return nil, err
			}
		}
		for _, cp := range page.CommonPrefixes {
			key, ok := decode(cp.Prefix)
			name, under := strings.CutPrefix(key, dir)
			if ok && under {
				prefixes = append(prefixes, strings.TrimSuffix(name, "/"))
			}
		}
		if len(prefixes) > maxListed {
			return nil, fmt.Errorf("listing %s: more than %d names, not an output siphon wrote", b.url(dir), maxListed)
		}
	}
	for _, name := range prefixes { // after every object: an object of the same name wins
		if err := add(name, dirInfo{name}); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// getRange reads bytes [from, to] of an object as it was when its ETag
// was etag: the body, which the caller closes, is limited to them.
func (b bucket) getRange(key, etag string, from, to int64) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	in := &s3.GetObjectInput{Bucket: &b.name, Key: &key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", from, to))}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := b.c.GetObject(ctx, in)
	if err != nil {
		cancel()
		switch {
		case isConflict(err):
			return nil, fmt.Errorf("reading %s: it was replaced while being read; read it again", b.url(key))
		case isNotFound(err):
			return nil, fmt.Errorf("reading %s: it was removed while being read", b.url(key))
		}
		if code, _ := apiCode(err); code == "InvalidRange" {
			return nil, fmt.Errorf("reading %s: it ends before byte %d (replaced while being read?)", b.url(key), from)
		}
		return nil, explain("reading", b.url(key), err)
	}
	return rangeBody{Reader: io.LimitReader(out.Body, to-from+1), body: out.Body, cancel: cancel}, nil
}

// rangeBody is a ranged GET's body, its request's context ended on Close.
type rangeBody struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

func (r rangeBody) Close() error {
	err := r.body.Close()
	r.cancel()
	return err
}

// objectFile is an object open for reading: Read streams one ranged GET
// from where it is, ReadAt sends one of its own for what it is asked.
type objectFile struct {
	b    bucket
	key  string
	info objInfo

	off    int64
	body   io.ReadCloser // the GET Read streams, from bodyAt
	bodyAt int64
	closed bool
}

func (f *objectFile) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *objectFile) drop() {
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
}

// short is an object that ends before the length it was opened with.
func (f *objectFile) short() error {
	return fmt.Errorf("reading %s: it ends before its %d bytes (replaced while being read?)", f.b.url(f.key), f.info.size)
}

func (f *objectFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.b.url(f.key), Err: fs.ErrClosed}
	}
	if f.off >= f.info.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p = p[:min(int64(len(p)), f.info.size-f.off)]
	var err error
	for range readTries {
		if f.body == nil || f.bodyAt != f.off {
			f.drop()
			if f.body, err = f.b.getRange(f.key, f.info.etag, f.off, f.info.size-1); err != nil {
				return 0, err
			}
			f.bodyAt = f.off
		}
		var n int
		n, err = f.body.Read(p)
		f.off += int64(n)
		f.bodyAt += int64(n)
		if err != nil {
			f.drop()
		}
		if n > 0 || err == nil {
			return n, nil
		}
		if errors.Is(err, io.EOF) {
			return 0, f.short()
		}
		// the connection broke: taken up again where it was
	}
	return 0, explain("reading", f.b.url(f.key), err)
}

// ReadAt reads len(p) bytes at off with a GET of that range.
func (f *objectFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.b.url(f.key), Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.b.url(f.key), Err: fs.ErrInvalid}
	}
	if off >= f.info.size {
		return 0, io.EOF
	}
	want := int(min(int64(len(p)), f.info.size-off))
	n := 0
	var err error
	for try := 0; n < want && try < readTries; try++ {
		var body io.ReadCloser
		if body, err = f.b.getRange(f.key, f.info.etag, off+int64(n), off+int64(want)-1); err != nil {
			return n, err
		}
		var m int
		m, err = io.ReadFull(body, p[n:want])
		body.Close()
		n += m
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return n, f.short()
		}
	}
	if n < want {
		return n, explain("reading", f.b.url(f.key), err)
	}
	if want < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *objectFile) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.b.url(f.key), Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.size
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.b.url(f.key), Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.b.url(f.key), Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

func (f *objectFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.b.url(f.key), Err: fs.ErrClosed}
	}
	f.drop()
	f.closed = true
	return nil
}

// prefixDir is a key prefix open as a folder: listed on its first ReadDir.
type prefixDir struct {
	fs      prefixFS
	info    dirInfo
	dir     string // the key prefix, "/" at its end (or "" at a bucket's root)
	entries []fs.DirEntry
	listed  bool
	pos     int
}

func (d *prefixDir) Stat() (fs.FileInfo, error) { return d.info, nil }

func (d *prefixDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.fs.b.url(d.dir), Err: errors.New("is a folder")}
}

func (d *prefixDir) Close() error { return nil }

func (d *prefixDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.listed {
		entries, err := d.fs.b.listDir(d.dir)
		if err != nil {
			return nil, err
		}
		d.entries, d.listed = entries, true
	}
	rest := d.entries[d.pos:]
	if n <= 0 {
		d.pos = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.pos += len(rest)
	return rest, nil
}
