package demoapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
)

// NewTLSServer starts an API over HTTPS on a free loopback port; its URL is
// https://127.0.0.1:PORT. With requireClientCert the handshake fails unless
// the client presents a certificate signed by files.CAFile (mTLS). Like
// httptest.NewTLSServer it panics on failure; use ListenTLS to get an error.
func NewTLSServer(opts Options, files TLSFiles, requireClientCert bool) *Server {
	s, err := ListenTLS("127.0.0.1:0", opts, files, requireClientCert)
	if err != nil {
		panic(fmt.Sprintf("demoapi: %v", err))
	}
	return s
}

// ListenTLS is Listen over HTTPS, with the server certificate of files and,
// with requireClientCert, mTLS against files.CAFile.
func ListenTLS(addr string, opts Options, files TLSFiles, requireClientCert bool) (*Server, error) {
	cfg, err := ServerTLSConfig(files, requireClientCert)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return serve(tls.NewListener(ln, cfg), "https://", opts), nil
}

// ServerTLSConfig is the server side of files: its certificate and, with
// requireClientCert, tls.RequireAndVerifyClientCert against files.CAFile.
// It speaks HTTP/1.1 only, so the reset and truncation faults behave as they
// do over plain HTTP.
func ServerTLSConfig(files TLSFiles, requireClientCert bool) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(files.ServerCertFile, files.ServerKeyFile)
	if err != nil {
		return nil, fmt.Errorf("demoapi: server certificate %s with key %s: %w", files.ServerCertFile, files.ServerKeyFile, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
	if requireClientCert {
		pool, err := loadCertPool(files.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// loadCertPool reads the PEM certificates in path.
func loadCertPool(path string) (*x509.CertPool, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("demoapi: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("demoapi: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}
