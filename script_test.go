package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain gives the scripts their partop command: this test binary,
// running run(). The command line's behaviour (every flag error, --help,
// --version, exit codes) is written as scripts in testdata/script, in the
// style of soft-serve's testscript; each runs in a fresh directory with a
// bare environment, and needs no cluster but the embedded one.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"partop": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// A flag accepted by mistake runs partop until interrupted: fail
		// within minutes, not at go test's timeout.
		Deadline: time.Now().Add(3 * time.Minute),
		Cmds:     map[string]func(ts *testscript.TestScript, neg bool, args []string){"exits": exits},
	})
}

// exits runs a command that must exit with a given status:
//
//	exits 2 partop --nope
//
// and keeps its stdout and stderr for the stdout and stderr commands, as
// exec does. (exec's ! says only "not 0"; partop's codes mean: 2 bad flags,
// 1 a failure once running.)
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits %s: not an exit code", args[0])
	}
	got := 0
	var ee *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
