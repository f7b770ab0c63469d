package sshd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// keyring holds the two key files: keys that may act and keys that may
// only watch. A key in both may only watch: the narrower grant wins.
//
// Unlike wish.WithAuthorizedKeys, which rejects every key when one line
// does not parse, a line that does not parse is skipped and reported
// (as OpenSSH's sshd does), so a typo does not lock a whole team out.
// Files are re-read when they change, so keys can be added or revoked
// without restarting the run. A file that cannot be read grants nothing
// until it can: a removed file revokes its keys.
type keyring struct {
	full, watch *keyFile // either may be nil
}

// grant is what a key may do and how the file names it.
type grant struct {
	viewOnly bool
	comment  string // the key's comment in its file ("alice@laptop"), or its fingerprint
}

// newKeyring reads both files (an empty path is no file) and reports what
// it skipped. It fails when a file cannot be read or when no usable key
// is left: nobody could log in.
func newKeyring(full, watch string) (*keyring, []string, error) {
	k := &keyring{}
	var warnings []string
	for _, f := range []struct {
		what, path string
		dst        **keyFile
	}{{"authorized keys", full, &k.full}, {"view-only keys", watch, &k.watch}} {
		if f.path == "" {
			continue
		}
		kf := &keyFile{path: f.path}
		if err := kf.load(); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.what, err)
		}
		warnings = append(warnings, kf.drainWarnings()...)
		*f.dst = kf
	}
	if k.count() == 0 {
		return nil, nil, fmt.Errorf("no usable public key in %s: nobody could log in", k.paths())
	}
	return k, warnings, nil
}

// lookup says what key may do, re-reading files that changed; warnings
// are what the re-read skipped or could not read.
func (k *keyring) lookup(key gossh.PublicKey) (g grant, ok bool, warnings []string) {
	if key == nil {
		return grant{}, false, nil
	}
	wire := string(key.Marshal())
	for _, f := range []*keyFile{k.watch, k.full} { // watch first: the narrower grant wins
		if f == nil {
			continue
		}
		comment, found := f.find(wire)
		warnings = append(warnings, f.drainWarnings()...)
		if found {
			if comment == "" {
				comment = gossh.FingerprintSHA256(key)
			}
			return grant{viewOnly: f == k.watch, comment: comment}, true, warnings
		}
	}
	return grant{}, false, warnings
}

func (k *keyring) count() int {
	n := 0
	for _, f := range []*keyFile{k.full, k.watch} {
		if f != nil {
			f.mu.Lock()
			n += len(f.keys)
			f.mu.Unlock()
		}
	}
	return n
}

func (k *keyring) paths() string {
	switch {
	case k.full != nil && k.watch != nil:
		return k.full.path + " and " + k.watch.path
	case k.full != nil:
		return k.full.path
	case k.watch != nil:
		return k.watch.path
	}
	return "no key file"
}

// keyFile is one authorized_keys file, re-read when its size or
// modification time changes.
type keyFile struct {
	path string

	mu       sync.Mutex
	modTime  time.Time
	size     int64
	readable bool
	keys     map[string]string // wire form -> comment
	warnings []string          // not yet handed out
	lastErr  string            // reported once until it changes
}

// load reads the file; an error if it cannot be read at all.
func (f *keyFile) load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fi, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	return f.read(fi)
}

// find looks a key up, re-reading the file first if it changed.
func (f *keyFile) find(wire string) (comment string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fi, err := os.Stat(f.path)
	if err != nil {
		f.fail(err)
		return "", false
	}
	if !f.readable || !fi.ModTime().Equal(f.modTime) || fi.Size() != f.size {
		if err := f.read(fi); err != nil {
			f.fail(err)
			return "", false
		}
	}
	comment, ok = f.keys[wire]
	return comment, ok
}

// fail revokes every key of the file until it can be read again. Called
// with mu held.
func (f *keyFile) fail(err error) {
	f.readable, f.keys = false, nil
	msg := fmt.Sprintf("%v: its keys are refused until it can be read", err)
	if msg != f.lastErr {
		f.lastErr = msg
		f.warnings = append(f.warnings, msg)
	}
}

// read parses the file. Called with mu held.
func (f *keyFile) read(fi os.FileInfo) error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<10) // one line per key: certificates and RSA-16384 fit
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		// Options (from=, command=, restrict) are not enforced: partop
		// serves one dashboard and nothing else.
		key, comment, _, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			f.warnings = append(f.warnings, fmt.Sprintf("%s line %d skipped: %v", f.path, n, err))
			continue
		}
		keys[string(key.Marshal())] = comment
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	f.keys, f.readable, f.lastErr = keys, true, ""
	f.modTime, f.size = fi.ModTime(), fi.Size()
	return nil
}

// drainWarnings hands out what was skipped since the last call.
func (f *keyFile) drainWarnings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.warnings
	f.warnings = nil
	return w
}
