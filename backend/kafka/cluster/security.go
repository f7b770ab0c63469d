package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"
)

// PasswordEnv names the environment variable partop takes the SASL password
// from. Passwords are never taken on the command line, where ps and shell
// history would show them.
const PasswordEnv = "PARTOP_SASL_PASSWORD"

// Security says how to reach a secured cluster; the zero value is plaintext
// without SASL.
//
// Its errors name the settings as partop's flags do (--tls-ca,
// --sasl-user, $PARTOP_SASL_PASSWORD …), since that is how users give them;
// they name files, never what a file holds, and never the password.
type Security struct {
	// TLS turns TLS on. Any of CAFile, CertFile, KeyFile,
	// InsecureSkipVerify and ServerName turns it on too.
	TLS bool
	// TLSSetExplicitly says TLS was given by the user (--tls or
	// --tls=false) rather than left at its default. Only then does
	// TLS=false with a TLS setting such as CAFile count as a contradiction;
	// otherwise the setting simply turns TLS on.
	TLSSetExplicitly bool
	// CAFile is a PEM file of CA certificates to trust instead of the
	// system's.
	CAFile string
	// CertFile and KeyFile are PEM files with a client certificate and its
	// private key; one needs the other.
	CertFile, KeyFile string
	// InsecureSkipVerify skips verifying brokers' certificates; it
	// contradicts CAFile.
	InsecureSkipVerify bool
	// ServerName is the name brokers' certificates are verified against
	// (default: each broker's host).
	ServerName string

	// SASLMechanism is one of SASLMechanisms, in any case; empty means no
	// SASL.
	SASLMechanism string
	// SASLUser is the SASL user name; SASL needs it.
	SASLUser string
	// SASLPasswordFile is a file holding the password alone on one line (a
	// trailing newline is dropped). It contradicts SASLPassword.
	SASLPasswordFile string
	// SASLPassword is the password from $PARTOP_SASL_PASSWORD (empty counts
	// as unset); never printed.
	SASLPassword string
}

// Opts turns the settings into client options: a TLS dialer (see
// tlsDialer) when TLS is on, and a SASL mechanism when SASL is on. It reads
// the files named, so a bad setting fails here, before any connection.
func (s Security) Opts() ([]kgo.Opt, error) {
	var out []kgo.Opt
	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		out = append(out, kgo.Dialer(tlsDialer(tlsCfg, dialTimeout, handshakeTimeout)))
	}
	mech, err := s.mechanism()
	if err != nil {
		return nil, err
	}
	if mech != nil {
		out = append(out, kgo.SASL(mech))
	}
	return out, nil
}

// Validate reports the error Opts would; call it where bad settings should
// stop a program before it connects.
func (s Security) Validate() error {
	_, err := s.Opts()
	return err
}

// String describes the settings for logs, with the password redacted.
func (s Security) String() string {
	if s.SASLPassword != "" {
		s.SASLPassword = "<redacted>"
	}
	type plain Security // no methods: formatting it does not recurse
	return fmt.Sprintf("%+v", plain(s))
}

// GoString is String, so that %#v does not print the password either.
func (s Security) GoString() string { return "cluster.Security" + s.String() }

// readFile reads a file a setting names; the error names both and says why,
// never what the file holds.
func readFile(setting, file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", setting, file, pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", setting, file, pathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s %s: is a directory, want a file", setting, file)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s %s: %d bytes, too big for what it should hold", setting, file, st.Size())
	}
	// Stat's size is 0 for a pipe or a device: the limit holds for those too.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("%s %s: %v", setting, file, pathErr(err))
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s %s: more than %d bytes, too big for what it should hold", setting, file, limit)
	}
	return buf.Bytes(), nil
}

// pathErr drops the path from an *os.PathError, since the caller names the
// file already.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
