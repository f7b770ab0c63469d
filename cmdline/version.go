package cmdline

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version says which partop this is, from the build information Go
// stamps into the binary: the module version (a tag or pseudo-version when
// built with go build or go install in a checkout, "(devel)" otherwise),
// the commit and its time, whether the tree had changes, and the Go
// version.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "partop (no build information)"
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", with uncommitted changes"
			}
		}
	}
	parts := []string{"partop " + bi.Main.Version}
	if rev != "" {
		parts = append(parts, fmt.Sprintf("commit %.12s (%s%s)", rev, at, dirty))
	}
	parts = append(parts, bi.GoVersion)
	return strings.Join(parts, ", ")
}
