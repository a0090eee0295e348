package s3store

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// bucket is one bucket through the process's client.
type bucket struct {
	c    *s3.Client
	name string
}

// maxSmallObject bounds an object read whole (checkpoint, lease, marker,
// history, run state): siphon writes them far smaller.
const maxSmallObject = 64 << 20

// get reads a small object whole and its ETag; (nil, "", nil) when none.
func (b bucket) get(key string) ([]byte, string, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	out, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if isNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", explain("reading", b.url(key), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxSmallObject+1))
	if err != nil {
		return nil, "", explain("reading", b.url(key), err)
	}
	if len(data) > maxSmallObject {
		return nil, "", fmt.Errorf("reading %s: over %d MiB, not an object siphon wrote", b.url(key), maxSmallObject>>20)
	}
	return data, aws.ToString(out.ETag), nil
}

// Conditions of a put.
const (
	anyway  = iota // no condition
	create         // If-None-Match: *, the object must not exist
	replace        // If-Match: etag
)

// put writes an object under a condition and returns its ETag.
func (b bucket) put(key string, data []byte, cond int, etag string) (string, error) {
	return b.putBody(key, bytes.NewReader(data), int64(len(data)), cond, etag)
}

// putBody writes size bytes from body (read again on a retry) under a
// condition and returns the ETag. A put whose reply was lost is retried
// by the SDK and then finds its own object: that is recognised by its
// content, not taken for a rival's.
func (b bucket) putBody(key string, body io.ReadSeeker, size int64, cond int, etag string) (string, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	in := &s3.PutObjectInput{Bucket: &b.name, Key: &key, Body: body, ContentLength: aws.Int64(size)}
	switch cond {
	case create:
		in.IfNoneMatch = aws.String("*")
	case replace:
		in.IfMatch = aws.String(etag)
	}
	out, err := b.c.PutObject(ctx, in)
	if err == nil {
		return aws.ToString(out.ETag), nil
	}
	if isConflict(err) {
		tag, same, err := b.holds(key, body, size)
		if err != nil {
			return "", err
		}
		if same {
			return tag, nil // our own put, retried after its reply was lost
		}
		return "", errConflict{key: b.url(key), err: err}
	}
	return "", explain("writing", b.url(key), err)
}

// holds reports whether the object at key is exactly size bytes of want
// (read from its start), and its ETag. An object that cannot be read back
// is an error, not taken for another writer's.
func (b bucket) holds(key string, want io.ReadSeeker, size int64) (string, bool, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	out, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, explain("reading back", b.url(key), err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength != size {
		return "", false, nil
	}
	if _, err := want.Seek(0, io.SeekStart); err != nil {
		return "", false, err
	}
	same, err := sameBytes(out.Body, want)
	if err != nil {
		return "", false, explain("reading back", b.url(key), err)
	}
	return aws.ToString(out.ETag), same, nil
}

// sameBytes reports whether got (read from the store: its errors are
// returned) and want (in memory) hold the same bytes to their ends.
func sameBytes(got, want io.Reader) (bool, error) {
	x, y := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		n, err := io.ReadFull(got, x)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return false, err
		}
		if m, _ := io.ReadFull(want, y[:n]); m != n || !bytes.Equal(x[:n], y[:n]) {
			return false, nil
		}
		if err != nil { // got ended: want must end there too
			k, _ := io.ReadFull(want, y[:1])
			return k == 0, nil
		}
	}
}

// errConflict is a conditional put that lost to another writer.
type errConflict struct {
	key string
	err error
}

func (e errConflict) Error() string {
	return fmt.Sprintf("%s was written by another run meanwhile (%v)", e.key, e.err)
}

// object is one listed object.
type object struct {
	key  string
	size int64
}

// list lists every object whose key starts with prefix (all of them,
// page by page).
func (b bucket) list(prefix string) ([]object, error) {
	var out []object
	p := s3.NewListObjectsV2Paginator(b.c, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: &prefix})
	for p.HasMorePages() {
		ctx, cancel := ctxOp()
		page, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			return nil, explain("listing", b.url(prefix), err)
		}
		for _, o := range page.Contents {
			out = append(out, object{key: aws.ToString(o.Key), size: aws.ToInt64(o.Size)})
		}
	}
	return out, nil
}

// children lists the names directly under dir (keys and "sub/" prefixes),
// at most limit.
func (b bucket) children(dir string, limit int32) ([]string, error) {
	names, _, err := b.childrenWhole(dir, limit)
	return names, err
}

// childrenWhole is children, and whether they are all there are (the
// store did not cut the listing at limit).
func (b bucket) childrenWhole(dir string, limit int32) ([]string, bool, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	out, err := b.c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: &dir, Delimiter: aws.String("/"), MaxKeys: aws.Int32(limit)})
	if err != nil {
		return nil, false, explain("listing", b.url(dir), err)
	}
	var names []string
	for _, o := range out.Contents {
		names = append(names, strings.TrimPrefix(aws.ToString(o.Key), dir))
	}
	for _, p := range out.CommonPrefixes {
		names = append(names, strings.TrimPrefix(aws.ToString(p.Prefix), dir))
	}
	return names, !aws.ToBool(out.IsTruncated), nil
}

// move copies an object to dst, then deletes it: S3 has no rename.
func (b bucket) move(src, dst string) error {
	ctx, cancel := ctxOp()
	defer cancel()
	_, err := b.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &b.name, Key: &dst, CopySource: aws.String(b.name + "/" + src)})
	if err != nil {
		return explain("copying "+b.url(src)+" to", b.url(dst), err)
	}
	return b.delete(src)
}

func (b bucket) delete(key string) error {
	ctx, cancel := ctxOp()
	defer cancel()
	if _, err := b.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.name, Key: &key}); err != nil && !isNotFound(err) {
		return explain("deleting", b.url(key), err)
	}
	return nil
}

func (b bucket) url(key string) string { return "s3://" + b.name + "/" + key }
