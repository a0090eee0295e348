package demoapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsClient trusts files.CAFile and presents the given client key pair, if any.
func tlsClient(t *testing.T, files TLSFiles, certFile, keyFile string) *http.Client {
	t.Helper()
	pool, err := loadCertPool(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		// Present it whatever CAs the server names: Go's default would
		// quietly send nothing for a certificate from another CA.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriteTLSFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	files, err := WriteTLSFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{files.CAFile, files.ServerCertFile, files.ServerKeyFile, files.ClientCertFile,
		files.ClientKeyFile, files.WrongClientCertFile, files.WrongClientKeyFile}
	seen := map[string]bool{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 || filepath.Dir(p) != dir || seen[p] {
			t.Errorf("%s: mode %v, want 0600, in %s, once", p, fi.Mode().Perm(), dir)
		}
		seen[p] = true
	}

	ca := readCert(t, files.CAFile)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	server := readCert(t, files.ServerCertFile)
	for _, name := range []string{"127.0.0.1", "localhost", "::1"} {
		_, err := server.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	for _, c := range []*x509.Certificate{ca, server} {
		if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
			t.Errorf("%s: key %T, want ECDSA P-256", c.Subject.CommonName, c.PublicKey)
		}
	}
	clientUse := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := readCert(t, files.ClientCertFile).Verify(clientUse); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	wrong := readCert(t, files.WrongClientCertFile)
	if _, err := wrong.Verify(clientUse); err == nil {
		t.Error("the wrong client certificate verifies against the CA")
	}
	if wrong.Subject.CommonName != ClientCommonName {
		t.Errorf("wrong client certificate subject %q, want the same as the right one", wrong.Subject.CommonName)
	}
}

func TestWriteTLSFilesTightensAnExistingFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "server-key.pem"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := WriteTLSFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(files.ServerKeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("rewritten key: %v, mode %v", err, fi.Mode().Perm())
	}
}

func TestWriteTLSFilesReportsTheDirectory(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteTLSFiles(filepath.Join(blocker, "tls")); err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("error %v, want one naming %s", err, blocker)
	}
}

func TestTLSServer(t *testing.T) {
	files, err := WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := NewTLSServer(Options{Records: 3}, files, false)
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL)
	}
	resp, body := getOK(t, tlsClient(t, files, "", ""), s.URL+"/v1/next?limit=2")
	if resp.TLS == nil || resp.Proto != "HTTP/1.1" {
		t.Errorf("TLS %v, proto %s, want TLS over HTTP/1.1", resp.TLS != nil, resp.Proto)
	}
	if !strings.Contains(string(body), `"https://127.0.0.1:`) {
		t.Errorf("next URL is not https: %s", body)
	}
	if _, err := newClient(t).Get(s.URL + "/healthz"); err == nil {
		t.Error("a client that does not trust the CA got through")
	}
}

func TestMTLS(t *testing.T) {
	files, err := WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := NewTLSServer(Options{Records: 3}, files, true)
	t.Cleanup(s.Close)
	getOK(t, tlsClient(t, files, files.ClientCertFile, files.ClientKeyFile), s.URL+"/v1/none")

	refused := []struct{ name, cert, key string }{
		{"no client certificate", "", ""},
		{"certificate from another CA", files.WrongClientCertFile, files.WrongClientKeyFile},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tlsClient(t, files, tt.cert, tt.key).Get(s.URL + "/v1/none")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got status %d, want a failed handshake", resp.StatusCode)
			}
		})
	}
	if n := s.Stats().Requests; n != 1 {
		t.Fatalf("%d requests reached the API, want only the one with the right certificate", n)
	}
}

func TestListenTLSReportsBadFiles(t *testing.T) {
	files, err := WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	noCA := files
	noCA.CAFile = files.ServerKeyFile // a key, not a certificate
	missing := files
	missing.ServerCertFile = filepath.Join(files.Dir, "absent.pem")
	tests := []struct {
		name    string
		files   TLSFiles
		require bool
		want    string
	}{
		{"missing server certificate", missing, false, "absent.pem"},
		{"CA file without a certificate", noCA, true, files.ServerKeyFile},
	}
	for _, tt := range tests {
		s, err := ListenTLS("127.0.0.1:0", Options{}, tt.files, tt.require)
		if err == nil {
			s.Close()
			t.Errorf("%s: ListenTLS succeeded", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not name %s", tt.name, err, tt.want)
		}
	}
}
