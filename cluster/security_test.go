package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecurityAccepted(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	passFile := writeFile(t, dir, "pass", secret+"\n")
	crlfFile := writeFile(t, dir, "pass-crlf", secret+"\r\n")
	cases := []struct {
		s Security
		n int
	}{
		{Security{}, 0},
		{Security{TLSSetExplicitly: true}, 0}, // --tls=false alone
		{Security{TLS: true}, 1},
		{Security{CAFile: p.ca}, 1},
		{Security{InsecureSkipVerify: true}, 1},
		{Security{ServerName: "localhost"}, 1},
		{Security{CertFile: p.clientCert, KeyFile: p.clientKey}, 1},
		{Security{TLS: true, TLSSetExplicitly: true, CAFile: p.ca, CertFile: p.clientCert, KeyFile: p.clientKey, ServerName: "localhost"}, 1},
		{Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPassword: secret}, 1},
		{Security{SASLMechanism: "scram-sha-256", SASLUser: "u", SASLPassword: secret}, 1},
		{Security{SASLMechanism: " SCRAM-SHA-512 ", SASLUser: "u", SASLPassword: secret, CAFile: p.ca}, 2},
		{Security{SASLMechanism: "SCRAM-SHA-512", SASLUser: "u", SASLPasswordFile: passFile}, 1},
		{Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPasswordFile: crlfFile}, 1},
	}
	for _, tc := range cases {
		opts, err := tc.s.Opts()
		if err != nil || len(opts) != tc.n {
			t.Errorf("%v: %d options, error %v; want %d options", tc.s, len(opts), err, tc.n)
		}
		if err := tc.s.Validate(); err != nil {
			t.Errorf("%v: Validate = %v", tc.s, err)
		}
	}
}

func TestSecurityErrors(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	garbage := writeFile(t, dir, "garbage.pem", "not a certificate\n")
	badBlock := writeFile(t, dir, "bad-block.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	emptyPass := writeFile(t, dir, "empty", "\n")
	// A file that holds the password and more: the error must not quote it.
	twoLines := writeFile(t, dir, "two-lines", secret+"\nsecond line "+secret+"\n")
	passFile := writeFile(t, dir, "pass", secret+"\n")
	big := writeFile(t, dir, "big", strings.Repeat(secret, maxSecretFile/len(secret)+1))
	plainU := func(s Security) Security { s.SASLMechanism, s.SASLUser = "PLAIN", "u"; return s }
	cases := []struct {
		s    Security
		want string
	}{
		{Security{CertFile: p.clientCert}, "--tls-cert " + p.clientCert + " needs --tls-key"},
		{Security{KeyFile: p.clientKey}, "--tls-key " + p.clientKey + " needs --tls-cert"},
		{Security{CAFile: missing}, "--tls-ca " + missing + ": no such file"},
		{Security{CAFile: dir}, "is a directory"},
		{Security{CAFile: garbage}, "--tls-ca " + garbage + ": no PEM certificate"},
		{Security{CAFile: badBlock}, "--tls-ca " + badBlock + ": certificate 1:"},
		{Security{CAFile: p.clientKey}, "no PEM certificate"},
		{Security{CertFile: missing, KeyFile: p.clientKey}, "--tls-cert " + missing + ": no such file"},
		{Security{CertFile: p.clientCert, KeyFile: missing}, "--tls-key " + missing + ": no such file"},
		{Security{CertFile: garbage, KeyFile: p.clientKey}, "--tls-cert " + garbage + ": no PEM certificate"},
		{Security{CertFile: p.clientCert, KeyFile: p.clientCert}, "--tls-key " + p.clientCert + ": no PEM private key"},
		{Security{CertFile: p.clientCert, KeyFile: p.otherKey}, "private key does not match public key"},
		{Security{TLSSetExplicitly: true, CAFile: p.ca}, "--tls=false contradicts --tls-ca"},
		{Security{TLSSetExplicitly: true, InsecureSkipVerify: true}, "--tls=false contradicts --tls-insecure-skip-verify"},
		{Security{InsecureSkipVerify: true, CAFile: p.ca}, "use one or the other"},
		{Security{SASLMechanism: "GSSAPI", SASLUser: "u", SASLPassword: secret}, `--sasl-mechanism "GSSAPI": unknown; want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{Security{SASLMechanism: "SCRAM-SHA-1", SASLUser: "u", SASLPassword: secret}, "unknown"},
		{Security{SASLUser: "u", SASLPassword: secret}, "--sasl-user needs --sasl-mechanism"},
		{Security{SASLMechanism: "PLAIN", SASLPassword: secret}, "--sasl-mechanism PLAIN needs --sasl-user"},
		{plainU(Security{}), "--sasl-user u needs a password: set $PARTOP_SASL_PASSWORD or use --sasl-password-file"},
		{Security{SASLPassword: secret}, "$PARTOP_SASL_PASSWORD is set but --sasl-user and --sasl-mechanism are not"},
		{Security{SASLPasswordFile: passFile}, "--sasl-password-file needs --sasl-user"},
		{plainU(Security{SASLPassword: secret, SASLPasswordFile: passFile}), "given twice"},
		{plainU(Security{SASLPasswordFile: missing}), "--sasl-password-file " + missing + ": no such file"},
		{plainU(Security{SASLPasswordFile: emptyPass}), "--sasl-password-file " + emptyPass + ": empty"},
		{plainU(Security{SASLPasswordFile: twoLines}), "more than one line"},
		{plainU(Security{SASLPasswordFile: dir}), "is a directory"},
		{plainU(Security{SASLPasswordFile: big}), "too big"},
	}
	for _, tc := range cases {
		_, err := tc.s.Opts()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to contain %q", tc.s, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%v: error %q contains the password", tc.s, err)
		}
		if v := tc.s.Validate(); v == nil || v.Error() != err.Error() {
			t.Errorf("%v: Validate = %v, Opts = %v", tc.s, v, err)
		}
	}
}

func TestUnreadableFileError(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	f := writeFile(t, t.TempDir(), "pass", secret)
	if err := os.Chmod(f, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPasswordFile: f}.Opts()
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), f) {
		t.Fatalf("error %v", err)
	}
}

// A file whose size stat cannot tell (a device, a pipe) is cut off at the
// limit too, rather than read without end.
func TestEndlessFileIsTooBig(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPasswordFile: "/dev/zero"}.Opts()
	if err == nil || !strings.Contains(err.Error(), "--sasl-password-file /dev/zero: more than 65536 bytes, too big") {
		t.Fatalf("error %v", err)
	}
}

func TestPasswordFileRules(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ content, want string }{
		{secret, secret},
		{secret + "\n", secret},
		{secret + "\r\n", secret},
		{" " + secret + " \n", " " + secret + " "}, // spaces are the password's own
	} {
		f := writeFile(t, dir, "pass", tc.content)
		if got, err := readPassword(f); err != nil || got != tc.want {
			t.Errorf("file %q: password %q, %v; want %q", tc.content, got, err, tc.want)
		}
	}
	for _, content := range []string{"", "\n", "\r\n", secret + "\n\n", "\n" + secret, secret + "\rmore"} {
		f := writeFile(t, dir, "pass", content)
		if got, err := readPassword(f); err == nil {
			t.Errorf("file %q: password %q accepted", content, got)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("file %q: error %q contains the password", content, err)
		}
	}
}

// Printing a Security, however it is printed, never shows the password.
func TestSecurityNeverPrintsPassword(t *testing.T) {
	s := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPassword: secret, CAFile: "ca.pem"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, s)
		if strings.Contains(out, secret) || !strings.Contains(out, "ca.pem") || !strings.Contains(out, "<redacted>") {
			t.Errorf("%s: %s", verb, out)
		}
		if out := fmt.Sprintf(verb, &s); strings.Contains(out, secret) {
			t.Errorf("%s of a pointer: %s", verb, out)
		}
	}
	if out := fmt.Sprint(Security{}); strings.Contains(out, "redacted") {
		t.Errorf("no password, yet %s", out)
	}
}
