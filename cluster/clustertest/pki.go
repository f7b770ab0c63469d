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
// scripts/kafka.sh gives its brokers these through integration/kafkactl.
func WritePKI(dir string, valid time.Duration) (*PKI, error) {
	p := &PKI{Dir: dir}
	notBefore, notAfter := time.Now().Add(-time.Hour), time.Now().Add(valid)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "partop test CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p.CAPool = x509.NewCertPool()
	p.CAPool.AddCert(caCert)
	if p.CA, err = writePEM(dir, "ca.pem", "CERTIFICATE", caDER); err != nil {
		return nil, err
	}

	issue := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return "", "", err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    notBefore,
			NotAfter:     notAfter,
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return "", "", err
		}
		if certFile, err = writePEM(dir, name+".pem", "CERTIFICATE", der); err != nil {
			return "", "", err
		}
		keyFile, err = writeKey(dir, name+"-key.pem", key)
		return certFile, keyFile, err
	}
	if p.ServerCert, p.ServerKey, err = issue("broker", 2, x509.ExtKeyUsageServerAuth); err != nil {
		return nil, err
	}
	if p.ClientCert, p.ClientKey, err = issue("client", 3, x509.ExtKeyUsageClientAuth); err != nil {
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
