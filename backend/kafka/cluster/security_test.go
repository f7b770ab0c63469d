package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partop/backend/kafka/cluster/clustertest"
)

func TestSecurityAccepted(t *testing.T) {
	t.Parallel()
	p := clustertest.NewPKI(t)
	dir := t.TempDir()
	passFile := clustertest.WriteFile(t, dir, "pass", clustertest.Secret+"\n")
	crlfFile := clustertest.WriteFile(t, dir, "pass-crlf", clustertest.Secret+"\r\n")
	cases := []struct {
		s Security
		n int
	}{
		{Security{}, 0},
		{Security{TLSSetExplicitly: true}, 0}, // --tls=false alone
		{Security{TLS: true}, 1},
		{Security{CAFile: p.CA}, 1},
		{Security{InsecureSkipVerify: true}, 1},
		{Security{ServerName: "localhost"}, 1},
		{Security{CertFile: p.ClientCert, KeyFile: p.ClientKey}, 1},
		{Security{TLS: true, TLSSetExplicitly: true, CAFile: p.CA, CertFile: p.ClientCert, KeyFile: p.ClientKey, ServerName: "localhost"}, 1},
		{Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPassword: clustertest.Secret}, 1},
		{Security{SASLMechanism: "scram-sha-256", SASLUser: "u", SASLPassword: clustertest.Secret}, 1},
		{Security{SASLMechanism: " SCRAM-SHA-512 ", SASLUser: "u", SASLPassword: clustertest.Secret, CAFile: p.CA}, 2},
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
	t.Parallel()
	p := clustertest.NewPKI(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	garbage := clustertest.WriteFile(t, dir, "garbage.pem", "not a certificate\n")
	badBlock := clustertest.WriteFile(t, dir, "bad-block.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	emptyPass := clustertest.WriteFile(t, dir, "empty", "\n")
	// A file that holds the password and more: the error must not quote it.
	twoLines := clustertest.WriteFile(t, dir, "two-lines", clustertest.Secret+"\nsecond line "+clustertest.Secret+"\n")
	passFile := clustertest.WriteFile(t, dir, "pass", clustertest.Secret+"\n")
	big := clustertest.WriteFile(t, dir, "big", strings.Repeat(clustertest.Secret, maxSecretFile/len(clustertest.Secret)+1))
	plainU := func(s Security) Security { s.SASLMechanism, s.SASLUser = "PLAIN", "u"; return s }
	cases := []struct {
		s    Security
		want string
	}{
		{Security{CertFile: p.ClientCert}, "--tls-cert " + p.ClientCert + " needs --tls-key"},
		{Security{KeyFile: p.ClientKey}, "--tls-key " + p.ClientKey + " needs --tls-cert"},
		{Security{CAFile: missing}, "--tls-ca " + missing + ": no such file"},
		{Security{CAFile: dir}, "is a directory"},
		{Security{CAFile: garbage}, "--tls-ca " + garbage + ": no PEM certificate"},
		{Security{CAFile: badBlock}, "--tls-ca " + badBlock + ": certificate 1:"},
		{Security{CAFile: p.ClientKey}, "no PEM certificate"},
		{Security{CertFile: missing, KeyFile: p.ClientKey}, "--tls-cert " + missing + ": no such file"},
		{Security{CertFile: p.ClientCert, KeyFile: missing}, "--tls-key " + missing + ": no such file"},
		{Security{CertFile: garbage, KeyFile: p.ClientKey}, "--tls-cert " + garbage + ": no PEM certificate"},
		{Security{CertFile: p.ClientCert, KeyFile: p.ClientCert}, "--tls-key " + p.ClientCert + ": no PEM private key"},
		{Security{CertFile: p.ClientCert, KeyFile: p.OtherKey}, "private key does not match public key"},
		{Security{TLSSetExplicitly: true, CAFile: p.CA}, "--tls=false contradicts --tls-ca"},
		{Security{TLSSetExplicitly: true, InsecureSkipVerify: true}, "--tls=false contradicts --tls-insecure-skip-verify"},
		{Security{InsecureSkipVerify: true, CAFile: p.CA}, "use one or the other"},
		{Security{SASLMechanism: "GSSAPI", SASLUser: "u", SASLPassword: clustertest.Secret}, `--sasl-mechanism "GSSAPI": unknown; want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{Security{SASLMechanism: "SCRAM-SHA-1", SASLUser: "u", SASLPassword: clustertest.Secret}, "unknown"},
		{Security{SASLUser: "u", SASLPassword: clustertest.Secret}, "--sasl-user needs --sasl-mechanism"},
		{Security{SASLMechanism: "PLAIN", SASLPassword: clustertest.Secret}, "--sasl-mechanism PLAIN needs --sasl-user"},
		{plainU(Security{}), "--sasl-user u needs a password: set $PARTOP_SASL_PASSWORD or use --sasl-password-file"},
		{Security{SASLPassword: clustertest.Secret}, "$PARTOP_SASL_PASSWORD is set but --sasl-user and --sasl-mechanism are not"},
		{Security{SASLPasswordFile: passFile}, "--sasl-password-file needs --sasl-user"},
		{plainU(Security{SASLPassword: clustertest.Secret, SASLPasswordFile: passFile}), "given twice"},
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
		if strings.Contains(err.Error(), clustertest.Secret) {
			t.Errorf("%v: error %q contains the password", tc.s, err)
		}
		if v := tc.s.Validate(); v == nil || v.Error() != err.Error() {
			t.Errorf("%v: Validate = %v, Opts = %v", tc.s, v, err)
		}
	}
}

// TestUnreadableFileError: a password file partop cannot read is named in
// the error with the reason. (A directory: root, as CI runs, reads files
// whatever their mode, so a mode of 0 would prove nothing there.)
func TestUnreadableFileError(t *testing.T) {
	t.Parallel()
	f := t.TempDir()
	_, err := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPasswordFile: f}.Opts()
	if err == nil || !strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), f) {
		t.Fatalf("error %v", err)
	}
}

// A file whose size stat cannot tell (a device, a pipe) is cut off at the
// limit too, rather than read without end.
func TestEndlessFileIsTooBig(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPasswordFile: "/dev/zero"}.Opts()
	if err == nil || !strings.Contains(err.Error(), "--sasl-password-file /dev/zero: more than 65536 bytes, too big") {
		t.Fatalf("error %v", err)
	}
}

func TestPasswordFileRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ content, want string }{
		{clustertest.Secret, clustertest.Secret},
		{clustertest.Secret + "\n", clustertest.Secret},
		{clustertest.Secret + "\r\n", clustertest.Secret},
		{" " + clustertest.Secret + " \n", " " + clustertest.Secret + " "}, // spaces are the password's own
	} {
		f := clustertest.WriteFile(t, dir, "pass", tc.content)
		if got, err := readPassword(f); err != nil || got != tc.want {
			t.Errorf("file %q: password %q, %v; want %q", tc.content, got, err, tc.want)
		}
	}
	for _, content := range []string{"", "\n", "\r\n", clustertest.Secret + "\n\n", "\n" + clustertest.Secret, clustertest.Secret + "\rmore"} {
		f := clustertest.WriteFile(t, dir, "pass", content)
		if got, err := readPassword(f); err == nil {
			t.Errorf("file %q: password %q accepted", content, got)
		} else if strings.Contains(err.Error(), clustertest.Secret) {
			t.Errorf("file %q: error %q contains the password", content, err)
		}
	}
}

// Printing a Security, however it is printed, never shows the password.
func TestSecurityNeverPrintsPassword(t *testing.T) {
	t.Parallel()
	s := Security{SASLMechanism: "PLAIN", SASLUser: "u", SASLPassword: clustertest.Secret, CAFile: "ca.pem"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, s)
		if strings.Contains(out, clustertest.Secret) || !strings.Contains(out, "ca.pem") || !strings.Contains(out, "<redacted>") {
			t.Errorf("%s: %s", verb, out)
		}
		if out := fmt.Sprintf(verb, &s); strings.Contains(out, clustertest.Secret) {
			t.Errorf("%s of a pointer: %s", verb, out)
		}
	}
	if out := fmt.Sprint(Security{}); strings.Contains(out, "redacted") {
		t.Errorf("no password, yet %s", out)
	}
}
