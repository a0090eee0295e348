package demoapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles names the PEM files WriteTLSFiles wrote.
type TLSFiles struct {
	Dir            string
	CAFile         string // the CA that signed the server and client certificates
	ServerCertFile string // for 127.0.0.1, ::1 and localhost
	ServerKeyFile  string
	ClientCertFile string // a client certificate the server's mTLS accepts
	ClientKeyFile  string
	// WrongClientCertFile has the same subject as ClientCertFile but is
	// signed by an unrelated CA, so mTLS must refuse it.
	WrongClientCertFile string
	WrongClientKeyFile  string
}

// certLifetime is how long the generated certificates are valid; they are
// made fresh for each test or demo run.
const certLifetime = 30 * 24 * time.Hour

// ClientCommonName is the subject of both client certificates.
const ClientCommonName = "siphon-client"

// WriteTLSFiles writes a fresh CA (ECDSA P-256), a server certificate for
// 127.0.0.1, ::1 and localhost, a client certificate signed by the CA, and a
// "wrong" client certificate signed by a second, unrelated CA, as PEM files
// of mode 0600 in dir (created 0700 if missing). Existing files of the same
// names are replaced.
func WriteTLSFiles(dir string) (TLSFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return TLSFiles{}, fmt.Errorf("demoapi: TLS files: %w", err)
	}
	now := time.Now()
	ca, err := newCA("siphon demo CA", now)
	if err != nil {
		return TLSFiles{}, err
	}
	otherCA, err := newCA("unrelated CA", now)
	if err != nil {
		return TLSFiles{}, err
	}
	server, err := ca.sign(leafTemplate("siphon demo server", x509.ExtKeyUsageServerAuth, now), true)
	if err != nil {
		return TLSFiles{}, err
	}
	client, err := ca.sign(leafTemplate(ClientCommonName, x509.ExtKeyUsageClientAuth, now), false)
	if err != nil {
		return TLSFiles{}, err
	}
	wrong, err := otherCA.sign(leafTemplate(ClientCommonName, x509.ExtKeyUsageClientAuth, now), false)
	if err != nil {
		return TLSFiles{}, err
	}

	f := TLSFiles{
		Dir:                 dir,
		CAFile:              filepath.Join(dir, "ca.pem"),
		ServerCertFile:      filepath.Join(dir, "server.pem"),
		ServerKeyFile:       filepath.Join(dir, "server-key.pem"),
		ClientCertFile:      filepath.Join(dir, "client.pem"),
		ClientKeyFile:       filepath.Join(dir, "client-key.pem"),
		WrongClientCertFile: filepath.Join(dir, "wrong-client.pem"),
		WrongClientKeyFile:  filepath.Join(dir, "wrong-client-key.pem"),
	}
	writes := []struct {
		path string
		kp   keyPair
		key  bool
	}{
		{f.CAFile, ca, false},
		{f.ServerCertFile, server, false}, {f.ServerKeyFile, server, true},
		{f.ClientCertFile, client, false}, {f.ClientKeyFile, client, true},
		{f.WrongClientCertFile, wrong, false}, {f.WrongClientKeyFile, wrong, true},
	}
	for _, w := range writes {
		var err error
		if w.key {
			err = writeKey(w.path, w.kp.key)
		} else {
			err = writePEM(w.path, "CERTIFICATE", w.kp.der)
		}
		if err != nil {
			return TLSFiles{}, err
		}
	}
	return f, nil
}

// keyPair is a certificate with its private key.
type keyPair struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

func newCA(name string, now time.Time) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("demoapi: generating a key for %s: %w", name, err)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour), // tolerate a little clock skew
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if tmpl.SerialNumber, err = serialNumber(); err != nil {
		return keyPair{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return keyPair{}, fmt.Errorf("demoapi: creating %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, fmt.Errorf("demoapi: parsing %s: %w", name, err)
	}
	return keyPair{cert: cert, der: der, key: key}, nil
}

func leafTemplate(name string, usage x509.ExtKeyUsage, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: name},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(certLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
}

// sign issues tmpl with a new key, for the loopback names if it is a server.
func (ca keyPair) sign(tmpl *x509.Certificate, server bool) (keyPair, error) {
	name := tmpl.Subject.CommonName
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("demoapi: generating a key for %s: %w", name, err)
	}
	if tmpl.SerialNumber, err = serialNumber(); err != nil {
		return keyPair{}, err
	}
	if server {
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return keyPair{}, fmt.Errorf("demoapi: signing %s: %w", name, err)
	}
	return keyPair{der: der, key: key}, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("demoapi: certificate serial number: %w", err)
	}
	return n, nil
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("demoapi: encoding the key for %s: %w", path, err)
	}
	return writePEM(path, "PRIVATE KEY", der)
}

// writePEM writes one PEM block to path with mode 0600, also when the file
// already existed with another mode.
func writePEM(path, blockType string, der []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("demoapi: %w", err)
	}
	err = f.Chmod(0o600)
	if err == nil {
		err = pem.Encode(f, &pem.Block{Type: blockType, Bytes: der})
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demoapi: writing %s: %w", path, err)
	}
	return nil
}
