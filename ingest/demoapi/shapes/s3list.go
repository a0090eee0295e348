package shapes

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
)

// Amazon S3 ListObjectsV2 ("s3").
//
//	GET /{bucket}?list-type=2&max-keys=N&continuation-token=T
//
// The body is an application/xml ListBucketResult in S3's namespace: Name,
// KeyCount, MaxKeys, IsTruncated, a Contents element per object (Key,
// LastModified, ETag in quotes, Size, StorageClass) and, while the listing
// is truncated, NextContinuationToken, which goes back as
// continuation-token. max-keys defaults to 1000 and is silently capped at
// 1000. Keys are listed in key order and hold '&', spaces and unicode,
// which the XML escapes. The emulation takes the token as a bearer token
// (the real S3 signs requests with SigV4); a wrong one is 403 with an S3
// <Error> body.
//
// Paged wrongly: a continuation-token S3 did not make is a 400
// InvalidArgument; leaving out list-type=2 is a 400 (the emulation serves
// version 2 only).
func init() {
	register(&shape{name: "s3", title: "Amazon S3 ListObjectsV2 (XML, continuation tokens)", idField: "Key",
		id: s3Key, serve: serveS3})
}

// s3Bucket is the emulated bucket.
const s3Bucket = "siphon-exports"

// s3Key is object i's key: rising with i, so key order is i's order.
func s3Key(a *API, i int) string {
	name := a.alnumID("", 8, i)
	if i%7 == 3 {
		name += " r&d <draft>"
	}
	if i%11 == 5 {
		name += " café"
	}
	return fmt.Sprintf("exports/%07d-%s.json", i+1, name)
}

type s3Object struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type s3Listing struct {
	XMLName               xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string     `xml:"Name"`
	Prefix                string     `xml:"Prefix"`
	KeyCount              int        `xml:"KeyCount"`
	MaxKeys               int        `xml:"MaxKeys"`
	IsTruncated           bool       `xml:"IsTruncated"`
	ContinuationToken     string     `xml:"ContinuationToken,omitempty"`
	Contents              []s3Object `xml:"Contents"`
	NextContinuationToken string     `xml:"NextContinuationToken,omitempty"`
}

type s3Error struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v) // the client hung up: nothing left to tell it
}

func serveS3(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/"+s3Bucket && r.URL.Path != "/"+s3Bucket+"/" {
		writeXML(w, http.StatusNotFound, s3Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist"})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		writeXML(w, http.StatusForbidden, s3Error{Code: "AccessDenied", Message: "Access Denied"})
		return
	}
	q := r.URL.Query()
	if q.Get("list-type") != "2" {
		writeXML(w, http.StatusBadRequest, s3Error{Code: "InvalidArgument", Message: "this emulation lists with list-type=2 only"})
		return
	}
	maxKeys, ok := intParam(q, "max-keys", 1000)
	if !ok || maxKeys < 0 {
		writeXML(w, http.StatusBadRequest, s3Error{Code: "InvalidArgument", Message: "Provided max-keys not an integer or within integer range"})
		return
	}
	maxKeys = min(maxKeys, 1000)
	from := 0
	tok := q.Get("continuation-token")
	if tok != "" {
		if from, ok = a.untoken("s3", tok); !ok {
			writeXML(w, http.StatusBadRequest, s3Error{Code: "InvalidArgument", Message: "The continuation token provided is incorrect"})
			return
		}
	}
	from, to := a.pageBounds(from, maxKeys)
	l := s3Listing{Name: s3Bucket, MaxKeys: maxKeys, KeyCount: to - from, ContinuationToken: tok}
	for i := from; i < to; i++ {
		it := a.item(i)
		sum := md5.Sum([]byte(a.idOf(i)))
		l.Contents = append(l.Contents, s3Object{Key: a.idOf(i), LastModified: isoMillis(it.updated), ETag: `"` + hex.EncodeToString(sum[:]) + `"`, Size: it.amount, StorageClass: "STANDARD"})
	}
	if to < a.n {
		l.IsTruncated = true
		l.NextContinuationToken = a.token("s3", to)
	}
	writeXML(w, http.StatusOK, l)
}
