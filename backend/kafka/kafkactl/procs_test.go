package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// start runs a shell loop (which ignores SIGTERM when stubborn) that stays
// this process's child, so that once killed it is a zombie until reaped:
// the state alive must call gone.
func start(t *testing.T, stubborn bool) int {
	t.Helper()
	script := "echo up; while :; do sleep 0.05; done"
	if stubborn {
		script = `trap "" TERM; ` + script
	}
	cmd := exec.Command("bash", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// "up" comes after the trap is set.
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestStopTerminates(t *testing.T) {
	pid := start(t, false)
	if !alive(pid) {
		t.Fatalf("alive(%d) = false for a running process", pid)
	}
	begin := time.Now()
	if err := stop([]string{"-grace", "20s", strconv.Itoa(pid)}); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Fatal("still alive after stop")
	}
	// SIGTERM did it, not the SIGKILL 20 s later.
	if d := time.Since(begin); d > 15*time.Second {
		t.Fatalf("stop took %s: SIGTERM was not enough?", d)
	}
}

func TestStopKillsWhatIgnoresTerm(t *testing.T) {
	pid := start(t, true)
	if err := stop([]string{"-grace", "300ms", strconv.Itoa(pid)}); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Fatal("still alive after stop")
	}
}

func TestStopRefusesBadPids(t *testing.T) {
	for _, arg := range []string{"x", "0", "-3"} {
		if err := stop([]string{"--", arg}); err == nil {
			t.Errorf("stop %q: no error", arg)
		}
	}
}

func TestAliveOfGone(t *testing.T) {
	if alive(1 << 30) {
		t.Fatal("alive of a pid that cannot exist")
	}
	if !alive(os.Getpid()) {
		t.Fatal("alive(self) = false")
	}
}

func TestReadyFailsWhenWatchedProcessExits(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid // exited and reaped
	begin := time.Now()
	// Nothing listens on port 1: without the watch this would wait the
	// whole minute.
	err := ready([]string{"-timeout", "1m", "-pid", "1=" + strconv.Itoa(pid), "1=127.0.0.1:1"})
	if err == nil {
		t.Fatal("ready succeeded with nothing listening")
	}
	if d := time.Since(begin); d > 30*time.Second {
		t.Fatalf("ready took %s to notice the exit", d)
	}
}
