package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// DefaultHostKey is where the host key lives unless told otherwise:
// under the user's config directory, so viewers' known_hosts entries
// stay valid from one run to the next.
func DefaultHostKey() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for the host key (%v): pass a path", err)
	}
	return filepath.Join(dir, "partop", "ssh_host_ed25519_key"), nil
}

// hostKey reads the PEM private key at path, creating an ed25519 key
// there (mode 0600, its directory 0700) when there is none. A key that
// others can read is refused, as sshd does: it would let them pose as
// this server.
func hostKey(path string) (pemBytes []byte, signer gossh.Signer, created bool, err error) {
	pemBytes, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		pemBytes, err = createHostKey(path)
		created = true
	}
	if err != nil {
		return nil, nil, false, err
	}
	if !created {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, nil, false, err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, nil, false, fmt.Errorf("%s is accessible by others (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
		}
	}
	signer, err = gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: not an SSH private key: %w", path, err)
	}
	return pemBytes, signer, created, nil
}

func createHostKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "partop host key")
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(block)
	// O_EXCL: two partops starting at once must not overwrite each
	// other's key after one of them has printed its fingerprint.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return data, f.Close()
}
