package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Held is a response received earlier (a page fetched ahead): a 2xx, its
// body read whole.
type Held struct {
	Status int
	Header http.Header
	Body   []byte
	Took   time.Duration // how long the request took
}

type heldKey struct{}

// WithHeld makes the request sent with ctx answer with h instead of going
// out (see Replay).
func WithHeld(ctx context.Context, h *Held) context.Context {
	return context.WithValue(ctx, heldKey{}, h)
}

// Replayed reports whether ctx answers with a held response.
func Replayed(ctx context.Context) bool { return ctx.Value(heldKey{}) != nil }

// Replay answers a request whose context holds a held response with that
// response. It sits under everything else (auth, redirects), so a
// response taken from the hold goes through what one from the network
// does.
type Replay struct{ Next http.RoundTripper }

func (t Replay) RoundTrip(req *http.Request) (*http.Response, error) {
	h, ok := req.Context().Value(heldKey{}).(*Held)
	if !ok {
		return t.Next.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", h.Status, http.StatusText(h.Status)), StatusCode: h.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h.Header.Clone(), Body: io.NopCloser(bytes.NewReader(h.Body)), ContentLength: int64(len(h.Body)),
		Request: req,
	}, nil
}
