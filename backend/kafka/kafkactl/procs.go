package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stop sends the given node processes SIGTERM, then SIGKILL after the
// grace period (at once with -grace 0), and returns once they are gone.
func stop(args []string) error {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	grace := fs.Duration("grace", 5*time.Second, "from SIGTERM to SIGKILL; 0 sends SIGKILL at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var pids []int
	for _, a := range fs.Args() {
		pid, err := strconv.Atoi(a)
		if err != nil || pid <= 0 {
			return fmt.Errorf("stop: %q is not a process id", a)
		}
		pids = append(pids, pid)
	}
	if *grace > 0 {
		signal(pids, syscall.SIGTERM)
		if waitGone(*grace, pids) {
			return nil
		}
		fmt.Fprintf(os.Stderr, "kafkactl: %v still running after %s, sending SIGKILL\n", pids, *grace)
	}
	signal(pids, syscall.SIGKILL)
	if !waitGone(10*time.Second, pids) {
		return fmt.Errorf("could not stop %v", pids)
	}
	return nil
}

func signal(pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig) // one already gone is what we want
	}
}

// waitGone reports whether every pid is gone within d.
func waitGone(d time.Duration, pids []int) bool {
	deadline := time.Now().Add(d)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return true
}

// alive reports whether pid exists and is not a zombie: a killed node
// whose parent shell is gone waits for init to reap it. A JVM's main
// thread is a zombie first while its other threads exit, and the sockets
// stay open until the last one has: that is still alive.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, state, ok := strings.Cut(string(stat), ") ") // the name may hold spaces
	if !ok || !strings.HasPrefix(state, "Z") {
		return ok
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(tasks) > 1
}

// pidFlags is -pid ID=PID, repeated: the processes that ready watches.
type pidFlags map[int32]int

func (p pidFlags) String() string { return fmt.Sprint(map[int32]int(p)) }

func (p pidFlags) Set(s string) error {
	id, pid, ok := strings.Cut(s, "=")
	n, err1 := strconv.ParseInt(id, 10, 32)
	v, err2 := strconv.Atoi(pid)
	if !ok || errors.Join(err1, err2) != nil || v <= 0 {
		return fmt.Errorf("%q is not ID=PID", s)
	}
	p[int32(n)] = v
	return nil
}

var logErrors = regexp.MustCompile(`ERROR|FATAL|Exception`)

// showLogs prints the end of n's logs under run (its stdout and its
// server log) to stderr, after their first errors: the tail is often only
// the shutdown, and the reason an earlier error.
func (n *node) showLogs(run string) {
	if run == "" {
		return
	}
	id := n.id
	for _, name := range []string{"stdout.log", "server.log"} {
		path := filepath.Join(run, fmt.Sprintf("node%d", id), "logs", name)
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		var errs, tail []string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if len(errs) < 15 && logErrors.MatchString(sc.Text()) {
				errs = append(errs, sc.Text())
			}
			if tail = append(tail, sc.Text()); len(tail) > 30 {
				tail = tail[1:]
			}
		}
		f.Close()
		if len(errs) > 0 {
			fmt.Fprintf(os.Stderr, "\n----- node %d: first errors in %s -----\n%s\n", id, path, strings.Join(errs, "\n"))
		}
		if len(tail) > 0 {
			fmt.Fprintf(os.Stderr, "\n----- node %d: tail of %s -----\n%s\n", id, path, strings.Join(tail, "\n"))
		}
	}
}
