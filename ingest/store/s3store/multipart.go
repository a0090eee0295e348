package s3store

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// partSize is the size of every part of a multipart upload but the last:
// S3's least (5 MiB), so that what is left to send when a segment closes
// (at a run's end, on the caller's path) is as small as S3 allows.
var partSize = 5 << 20

// multipart is one object being uploaded in parts. Nothing of it is
// visible under its key until complete: a run killed meanwhile leaves an
// incomplete upload, which the next run on the prefix aborts.
type multipart struct {
	b     bucket
	key   string
	id    string
	parts []types.CompletedPart
	etags []string // of each part, to know the whole's ETag
}

func (b bucket) startMultipart(key string) (*multipart, error) {
	ctx, cancel := ctxOp()
	defer cancel()
	out, err := b.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return nil, explain("starting an upload of", b.url(key), err)
	}
	return &multipart{b: b, key: key, id: aws.ToString(out.UploadId)}, nil
}

// send uploads the next part.
func (m *multipart) send(body *segReader) error {
	ctx, cancel := ctxOp()
	defer cancel()
	n := int32(len(m.parts) + 1)
	out, err := m.b.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &m.b.name, Key: &m.key, UploadId: &m.id, PartNumber: aws.Int32(n), Body: body, ContentLength: aws.Int64(body.n)})
	if err != nil {
		return explain(fmt.Sprintf("uploading part %d of", n), m.b.url(m.key), err)
	}
	m.parts = append(m.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	m.etags = append(m.etags, aws.ToString(out.ETag))
	return nil
}

// complete makes the parts the object, only if no object of that name
// exists (If-None-Match: *): another writer's object makes it a conflict.
// A completion whose reply was lost, retried, finds its own object: known
// by the ETag S3 gives a multipart object (the MD5 of its parts' MD5s).
func (m *multipart) complete() error {
	ctx, cancel := ctxOp()
	defer cancel()
	_, err := m.b.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &m.b.name, Key: &m.key, UploadId: &m.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.parts},
		IfNoneMatch:     aws.String("*"),
	})
	if err == nil {
		return nil
	}
	code, _ := apiCode(err)
	if isConflict(err) || code == "NoSuchUpload" {
		if m.isOurs() {
			return nil
		}
		if isConflict(err) {
			m.abort()
			return errConflict{key: m.b.url(m.key), err: err}
		}
	}
	return explain("completing the upload of", m.b.url(m.key), err)
}

// isOurs reports whether the object at the key is this upload, completed.
func (m *multipart) isOurs() bool {
	info, err := m.b.head(m.key)
	return err == nil && strings.Trim(info.etag, `"`) == m.wholeETag()
}

// wholeETag is the ETag S3 gives the completed object: the hex MD5 of
// the parts' binary MD5s, a dash and the number of parts.
func (m *multipart) wholeETag() string {
	h := md5.New()
	for _, t := range m.etags {
		b, err := hex.DecodeString(strings.Trim(t, `"`))
		if err != nil {
			return ""
		}
		h.Write(b)
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(m.etags))
}

// abort drops the upload's parts (best effort: the next run on the
// prefix aborts what is left).
func (m *multipart) abort() {
	ctx, cancel := ctxOp()
	defer cancel()
	_, _ = m.b.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &m.b.name, Key: &m.key, UploadId: &m.id})
}

// abortUploads aborts the incomplete uploads of keys under prefix that
// keep reports (a killed run's open segments) and says how many.
func (b bucket) abortUploads(prefix string, keep func(key string) bool) (int, error) {
	p := s3.NewListMultipartUploadsPaginator(b.c, &s3.ListMultipartUploadsInput{Bucket: &b.name, Prefix: &prefix})
	n := 0
	for p.HasMorePages() {
		ctx, cancel := ctxOp()
		page, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			return n, explain("listing the incomplete uploads of", b.url(prefix), err)
		}
		for _, u := range page.Uploads {
			if !keep(aws.ToString(u.Key)) {
				continue
			}
			m := multipart{b: b, key: aws.ToString(u.Key), id: aws.ToString(u.UploadId)}
			m.abort()
			n++
		}
	}
	return n, nil
}
