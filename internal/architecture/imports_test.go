// Package architecture holds no code: its test keeps the import rules of
// docs/ARCHITECTURE.md true, so the house stays as built. It reads the
// module's import graph with `go list -deps`, production code only (tests
// may import what they need to run real parts).
package architecture

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "partop"

// pkg is what `go list -json` says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // all, transitively
}

// load lists every package of the module with its imports.
func load(t *testing.T) map[string]pkg {
	t.Helper()
	watchSources(t)
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: is this the module root?", len(pkgs))
	}
	return pkgs
}

// under reports whether path is dir or a package below it.
func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// forbidden is a rule: packages at or below from must not depend
// (directly or not) on any package at or below one of never ("partop/":
// any of the module's).
type forbidden struct {
	from  string // a package and those below it
	never []string
	why   string
}

var rules = []forbidden{
	{"partop/engine", []string{"partop/backend", "partop/producer", "partop/cmdline", "github.com/twmb/franz-go", "partop/tui", "charm.land"}, "the engine runs any backend and serves every view: it knows no backend's code, not even what producers share"},
	{"partop/source", []string{"partop/backend", "partop/producer", "partop/engine", "github.com/twmb/franz-go"}, "the seam holds interfaces and facts only"},
	{"partop/producer", []string{"partop/backend", "partop/engine", "charm.land", "partop/tui", "github.com/twmb/franz-go"}, "what both producers share imports no client and no UI"},
	{"partop/stats", []string{"partop/", "charm.land"}, "counters and balance stand alone"},
	{"partop/rules", []string{"partop/", "charm.land"}, "rules are plain values"},
	{"partop/keys", []string{"partop/backend", "partop/engine", "partop/source", "partop/producer", "partop/cmdline", "partop/tui", "partop/headless", "partop/metrics", "partop/sshd", "charm.land", "github.com/twmb/franz-go"}, "the key analysis is pure (balance figures from stats): no client, no view"},
	{"partop/backend/fluvio", []string{"github.com/twmb/franz-go"}, "Fluvio speaks its own protocol"},
	{"partop/cmdline", []string{"partop/backend", "partop/tui", "partop/sshd", "github.com/twmb/franz-go", "charm.land"}, "the command line returns plain values; each backend owns its flags"},
	{"partop/tui", []string{"partop/backend", "github.com/twmb/franz-go"}, "views read snapshots and do no network I/O of their own"},
	{"partop/headless", []string{"partop/backend", "github.com/twmb/franz-go", "charm.land"}, "views read snapshots"},
	{"partop/metrics", []string{"partop/backend", "github.com/twmb/franz-go", "charm.land"}, "views read snapshots"},
	{"partop/sshd", []string{"partop/backend", "github.com/twmb/franz-go"}, "views read snapshots"},
	{"partop/servers", []string{"partop/backend", "github.com/twmb/franz-go"}, "the listeners serve views of the engine"},
}

func TestImportDirections(t *testing.T) {
	pkgs := load(t)
	for _, r := range append(rules, backendRules(pkgs)...) {
		found := false
		for path, p := range pkgs {
			if !under(path, r.from) {
				continue
			}
			found = true
			for _, d := range p.Deps {
				for _, n := range r.never {
					if d == n || strings.HasPrefix(d, strings.TrimSuffix(n, "/")+"/") {
						t.Errorf("%s depends on %s: %s", path, d, r.why)
					}
				}
			}
		}
		if !found {
			t.Errorf("no package %s: update the rule with the code", r.from)
		}
	}
}

// backends are the directories under backend/, each one platform's.
func backends(pkgs map[string]pkg) []string {
	var out []string
	for path := range pkgs {
		rest, ok := strings.CutPrefix(path, module+"/backend/")
		if !ok {
			continue
		}
		b := module + "/backend/" + strings.Split(rest, "/")[0]
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

// backendRules: a backend feeds the engine through the seam, so it
// imports neither the engine nor a view nor another backend.
func backendRules(pkgs map[string]pkg) []forbidden {
	var out []forbidden
	all := backends(pkgs)
	for _, b := range all {
		never := []string{"partop/engine", "partop/tui", "partop/headless", "partop/metrics", "partop/sshd", "charm.land"}
		for _, other := range all {
			if other != b {
				never = append(never, other)
			}
		}
		out = append(out, forbidden{b, never, "a backend feeds the engine; it imports neither it nor a view nor another backend"})
	}
	return out
}

// TestNoTopLevelPackageOfOneBackend: what only Kafka or only Fluvio uses
// lives in that backend's directory.
func TestNoTopLevelPackageOfOneBackend(t *testing.T) {
	pkgs := load(t)
	importers := map[string][]string{}
	for path, p := range pkgs {
		for _, i := range p.Imports {
			importers[i] = append(importers[i], path)
		}
	}
	for path := range pkgs {
		rest, _ := strings.CutPrefix(path, module+"/")
		if path == module || strings.HasPrefix(rest, "backend/") || strings.HasPrefix(rest, "internal/") {
			continue
		}
		by := importers[path]
		for _, b := range backends(pkgs) {
			if len(by) > 0 && !slices.ContainsFunc(by, func(i string) bool { return !under(i, b) }) {
				t.Errorf("%s is used only by %s (%v): move it there", path, b, by)
			}
		}
	}
}

// watchSources stats every Go file of the module, so go test's cache
// (which hashes what a test opens and stats) reruns this test when any of
// them changes; `go list` in a child process is invisible to it.
func watchSources(t *testing.T) {
	t.Helper()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root:
			return filepath.SkipDir
		case strings.HasSuffix(path, ".go"):
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
