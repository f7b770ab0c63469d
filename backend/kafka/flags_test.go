package kafka

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/clustertest"
	"partop/cmdline/platform"
)

// secFlags parses args as Kafka's flags, with env as the whole environment,
// and returns the security settings Open would use.
func secFlags(t *testing.T, env map[string]string, args ...string) (cluster.Security, error) {
	t.Helper()
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := NewFlags()
	f.lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	f.DefineFlags(fs)
	if err := fs.Parse(append([]string{"--brokers", "k:9092"}, args...)); err != nil {
		return cluster.Security{}, err
	}
	c := platform.Common{Given: map[string]bool{}}
	fs.Visit(func(fl *flag.Flag) { c.Given[fl.Name] = true })
	if err := f.Check(c); err != nil {
		return cluster.Security{}, err
	}
	return f.security(c)
}

// Each flag lands in its cluster.Security field, and the password comes
// from the environment only. (cluster's tests check the settings; the
// scripts in testdata/script, the messages.)
func TestSecurityFlagsFillSecurity(t *testing.T) {
	dir := t.TempDir()
	ca, pass := dir+"/ca.pem", dir+"/pass" // neither exists
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want cluster.Security
	}{
		{nil, nil, cluster.Security{}},
		{nil, []string{"--tls"}, cluster.Security{TLS: true, TLSSetExplicitly: true}},
		{nil, []string{"--tls=false"}, cluster.Security{TLSSetExplicitly: true}},
		{nil, []string{"--tls-insecure-skip-verify", "--tls-server-name", "kafka.example"}, cluster.Security{InsecureSkipVerify: true, ServerName: "kafka.example"}},
		{map[string]string{cluster.PasswordEnv: clustertest.Secret}, []string{"--sasl-mechanism", "scram-sha-256", "--sasl-user", "u"},
			cluster.Security{SASLMechanism: "scram-sha-256", SASLUser: "u", SASLPassword: clustertest.Secret}},
	} {
		got, err := secFlags(t, tc.env, tc.args...)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--tls=false", "--tls-ca", ca}, "--tls=false contradicts --tls-ca"},
		{nil, []string{"--tls-ca", ca}, "--tls-ca " + ca + ": no such file"},
		{nil, []string{"--tls-cert", "c.pem"}, "--tls-cert c.pem needs --tls-key"},
		{nil, []string{"--sasl-mechanism", "PLAIN", "--sasl-user", "u", "--sasl-password-file", pass}, "--sasl-password-file " + pass + ": no such file"},
		{map[string]string{cluster.PasswordEnv: clustertest.Secret}, nil, "$PARTOP_SASL_PASSWORD is set but"},
	} {
		_, err := secFlags(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), clustertest.Secret) {
			t.Errorf("%v: error %v, want it to contain %q", tc.args, err, tc.want)
		}
	}
}
