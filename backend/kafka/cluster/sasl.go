package cluster

import (
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanisms partop speaks.
const (
	mechPlain    = "PLAIN"
	mechScram256 = "SCRAM-SHA-256"
	mechScram512 = "SCRAM-SHA-512"
)

// SASLMechanisms lists the SASL mechanisms Security speaks, for help text.
const SASLMechanisms = mechPlain + ", " + mechScram256 + " or " + mechScram512

// maxSecretFile bounds what partop reads from a password file: a password
// is short, and a wrong path to a big file should fail, not load it.
const maxSecretFile = 64 << 10

// mechanism returns nil when SASL is off.
func (s Security) mechanism() (sasl.Mechanism, error) {
	mech := strings.ToUpper(strings.TrimSpace(s.SASLMechanism))
	envSet := s.SASLPassword != ""
	switch mech {
	case "", mechPlain, mechScram256, mechScram512:
	default:
		return nil, fmt.Errorf("--sasl-mechanism %q: unknown; want %s", s.SASLMechanism, SASLMechanisms)
	}
	if mech == "" {
		switch {
		case s.SASLUser != "":
			return nil, fmt.Errorf("--sasl-user needs --sasl-mechanism (%s)", SASLMechanisms)
		case s.SASLPasswordFile != "":
			return nil, errors.New("--sasl-password-file needs --sasl-user and --sasl-mechanism")
		case envSet:
			return nil, fmt.Errorf("$%s is set but --sasl-user and --sasl-mechanism are not; set them, or unset the variable", PasswordEnv)
		}
		return nil, nil
	}
	if s.SASLUser == "" {
		return nil, fmt.Errorf("--sasl-mechanism %s needs --sasl-user", mech)
	}
	if envSet && s.SASLPasswordFile != "" {
		return nil, fmt.Errorf("the SASL password is given twice, in $%s and --sasl-password-file; use one", PasswordEnv)
	}
	pass := s.SASLPassword
	if s.SASLPasswordFile != "" {
		var err error
		if pass, err = readPassword(s.SASLPasswordFile); err != nil {
			return nil, err
		}
	} else if !envSet {
		return nil, fmt.Errorf("--sasl-user %s needs a password: set $%s or use --sasl-password-file (passwords are not taken on the command line)", s.SASLUser, PasswordEnv)
	}
	switch mech {
	case mechPlain:
		return plain.Auth{User: s.SASLUser, Pass: pass}.AsMechanism(), nil
	case mechScram256:
		return scram.Auth{User: s.SASLUser, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: s.SASLUser, Pass: pass}.AsSha512Mechanism(), nil
	}
}

// readPassword reads a password file: one line, its trailing newline
// dropped. Errors never include what the file holds.
func readPassword(file string) (string, error) {
	data, err := readFile("--sasl-password-file", file, maxSecretFile)
	if err != nil {
		return "", err
	}
	pass := strings.TrimSuffix(string(data), "\n")
	pass = strings.TrimSuffix(pass, "\r")
	switch {
	case pass == "":
		return "", fmt.Errorf("--sasl-password-file %s: empty; want the password on one line", file)
	case strings.ContainsAny(pass, "\r\n"):
		return "", fmt.Errorf("--sasl-password-file %s: more than one line; want the password alone on one line", file)
	}
	return pass, nil
}
