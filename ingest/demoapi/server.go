package demoapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is an API listening on a real socket, like httptest.Server.
type Server struct {
	*API
	URL      string // http://127.0.0.1:PORT, no trailing slash
	Listener net.Listener

	srv       *http.Server
	served    chan struct{} // closed when Serve returns
	closeOnce sync.Once

	connMu sync.Mutex
	fresh  map[net.Conn]bool // connections that have not sent a request yet
}

// NewServer starts an API on a free loopback port. Like httptest.NewServer
// it panics if no port can be had; use Listen to get an error instead.
func NewServer(opts Options) *Server {
	s, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		panic(fmt.Sprintf("demoapi: %v", err))
	}
	return s
}

// Listen starts an API on addr (host:port; port 0 picks a free one).
func Listen(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return serve(ln, "http://", opts), nil
}

// serve runs a new API on ln until Close.
func serve(ln net.Listener, scheme string, opts Options) *Server {
	api := New(opts)
	s := &Server{
		API:      api,
		URL:      scheme + ln.Addr().String(),
		Listener: ln,
		// net/http logs to stderr by default (aborted handlers, TLS
		// handshakes): under siphon demo that would write across the console.
		srv:    &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)},
		served: make(chan struct{}),
		fresh:  map[net.Conn]bool{},
	}
	// A client with several requests in flight may dial a connection it
	// then never uses; Shutdown would wait 5 s for it. Close drops them.
	s.srv.ConnState = func(c net.Conn, st http.ConnState) {
		s.connMu.Lock()
		defer s.connMu.Unlock()
		if st == http.StateNew {
			s.fresh[c] = true
		} else {
			delete(s.fresh, c)
		}
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // returns ErrServerClosed on Close
	}()
	return s
}

// closeGrace bounds how long Close waits for requests in flight.
const closeGrace = 5 * time.Second

// Close ends every stall and delay, waits for requests in flight to finish
// and stops the server. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.Abort()
		s.connMu.Lock()
		for c := range s.fresh {
			c.Close()
		}
		s.connMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		defer cancel()
		if err := s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			_ = s.srv.Close()
		}
		<-s.served
	})
}
