package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeyringBadLineSkipped: a line that does not parse is skipped and
// reported; the other keys still work (wish.WithAuthorizedKeys would
// refuse them all).
func TestKeyringBadLineSkipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, aLine := newKey(t, "alice@laptop")
	b, bLine := newKey(t, "")
	path := filepath.Join(dir, "authorized_keys")
	writeFile(t, path, "# team\n\n"+aLine+"ssh-ed25519 AAAAnot-base64 broken\n"+bLine)
	k, warnings, err := newKeyring(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "line 4 skipped") {
		t.Fatalf("warnings %q, want line 4 skipped", warnings)
	}
	g, ok, _ := k.lookup(a.PublicKey())
	if !ok || g.viewOnly || g.comment != "alice@laptop" {
		t.Fatalf("alice: %+v %v", g, ok)
	}
	g, ok, _ = k.lookup(b.PublicKey())
	if !ok || !strings.HasPrefix(g.comment, "SHA256:") {
		t.Fatalf("a key without a comment is named by its fingerprint: %+v %v", g, ok)
	}
}

// TestKeyringFollowsTheFile: keys added to the file are let in without a
// restart, removed ones are refused, and a file that disappears revokes
// its keys (and says so once).
func TestKeyringFollowsTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, aLine := newKey(t, "a")
	b, bLine := newKey(t, "b")
	path := filepath.Join(dir, "authorized_keys")
	writeFile(t, path, aLine)
	k, _, err := newKeyring(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := k.lookup(b.PublicKey()); ok {
		t.Fatal("b let in before it was added")
	}
	rewrite := func(content string) {
		t.Helper()
		writeFile(t, path, content)
		// Make the change visible even on a file system with coarse
		// modification times.
		future := time.Now().Add(time.Duration(len(content)) * time.Second)
		if err := os.Chtimes(path, future, future); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(aLine + bLine)
	if _, ok, _ := k.lookup(b.PublicKey()); !ok {
		t.Fatal("b refused after it was added")
	}
	rewrite(bLine)
	if _, ok, _ := k.lookup(a.PublicKey()); ok {
		t.Fatal("a let in after it was removed")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	_, ok, warnings := k.lookup(b.PublicKey())
	if ok || len(warnings) != 1 || !strings.Contains(warnings[0], "refused until it can be read") {
		t.Fatalf("file gone: ok %v, warnings %q", ok, warnings)
	}
	if _, _, again := k.lookup(b.PublicKey()); len(again) != 0 {
		t.Fatalf("the same problem reported twice: %q", again)
	}
}

// TestKeyringNarrowerGrantWins: a key in both files may only watch.
func TestKeyringNarrowerGrantWins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	both, line := newKey(t, "both")
	full, watch := filepath.Join(dir, "full"), filepath.Join(dir, "watch")
	writeFile(t, full, line)
	writeFile(t, watch, line)
	k, _, err := newKeyring(full, watch)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok, _ := k.lookup(both.PublicKey()); !ok || !g.viewOnly {
		t.Fatalf("%+v %v: want view only", g, ok)
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"alice":                 "alice",
		"":                      "?",
		"a\x1b]0;pwned\x07":     "a?]0;pwned?",
		"ünïcødé":               "ünïcødé",
		strings.Repeat("x", 40): strings.Repeat("x", 32) + "…",
	} {
		if got := clean(in, 32); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
