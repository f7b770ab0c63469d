// Package clustertest has what tests of TLS and SASL connections need: a
// throwaway PKI and an in-process cluster (kfake) that speaks TLS. The
// cluster package's tests and the command's end-to-end tests share it.
package clustertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Secret is the password the tests use; no error or output may contain it.
const Secret = "s3cr3t-Pa55word"

// PKI is a throwaway CA with a server and a client certificate, as PEM
// files in a temporary directory.
type PKI struct {
	Dir                       string // where the files are
	CA, ServerCert, ServerKey string // PEM files: the CA, the broker's certificate and key
	ClientCert, ClientKey     string // a client certificate and key
	OtherKey                  string // a key that matches no certificate
	CAPool                    *x509.CertPool
	Server                    tls.Certificate // the broker's, for a TLS listener
}

// NewPKI makes a CA, a broker (127.0.0.1, localhost) and a client certificate
// in a temporary directory removed with the test.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	p, err := WritePKI(t.TempDir(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WritePKI is NewPKI outside a test: it writes the same files into dir
// (which must exist), with certificates valid for valid from an hour ago.
// scripts/kafka.sh gives its brokers these through backend/kafka/kafkactl.
func WritePKI(dir string, valid time.Duration) (*PKI, error) {
	p := &PKI{Dir: dir}
	ca := issuer{dir: dir, notBefore: time.Now().Add(-time.Hour), notAfter: time.Now().Add(valid)}
	caDER, err := ca.selfSign()
	if err != nil {
		return nil, err
	}
	p.CAPool = x509.NewCertPool()
	p.CAPool.AddCert(ca.cert)
	if p.CA, err = writePEM(dir, "ca.pem", "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	if p.ServerCert, p.ServerKey, err = ca.issue("broker", 2, x509.ExtKeyUsageServerAuth); err != nil {
		return nil, err
	}
	if p.ClientCert, p.ClientKey, err = ca.issue("client", 3, x509.ExtKeyUsageClientAuth); err != nil {
		return nil, err
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.OtherKey, err = writeKey(dir, "other-key.pem", other); err != nil {
		return nil, err
	}
	if p.Server, err = tls.LoadX509KeyPair(p.ServerCert, p.ServerKey); err != nil {
		return nil, err
	}
	return p, nil
}

// issuer is the test CA: its key and certificate once selfSign has run,
// and the validity of everything it issues.
type issuer struct {
	dir                 string
	notBefore, notAfter time.Time
	key                 *ecdsa.PrivateKey
	cert                *x509.Certificate
}

// selfSign makes the CA's key and certificate and returns its DER.
func (ca *issuer) selfSign() ([]byte, error) {
	var err error
	if ca.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "partop test CA"},
		NotBefore:             ca.notBefore,
		NotAfter:              ca.notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ca.key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	ca.cert, err = x509.ParseCertificate(der)
	return der, err
}

// issue writes a certificate for name (a server's for 127.0.0.1 and
// localhost, or a client's) and its key, signed by the CA.
func (ca *issuer) issue(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    ca.notBefore,
		NotAfter:     ca.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return "", "", err
	}
	if certFile, err = writePEM(ca.dir, name+".pem", "CERTIFICATE", der); err != nil {
		return "", "", err
	}
	keyFile, err = writeKey(ca.dir, name+"-key.pem", key)
	return certFile, keyFile, err
}

func writeKey(dir, name string, k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return writePEM(dir, name, "PRIVATE KEY", der)
}

func writePEM(dir, name, typ string, der []byte) (string, error) {
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// WriteFile writes content to dir/name, readable by the owner only.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// KfakeTLS starts an in-process cluster that speaks TLS (and SASL, when
// users are given), and returns its address.
func KfakeTLS(t testing.TB, p *PKI, clientAuth bool, opts ...kfake.Opt) string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{p.Server}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = p.CAPool
	}
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.TLS(cfg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}
