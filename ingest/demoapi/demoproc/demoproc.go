// Package demoproc runs the demo API in a process of its own, for
// benchmarks: a server sharing the client's process would have its CPU
// counted as the client's, and hide what the client costs.
package demoproc

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Start builds siphon and starts `siphon demo-server` with n records, and
// the given flags, on a free loopback port; it returns the base URL. The
// server is interrupted when tb ends.
func Start(tb testing.TB, n int, flags ...string) string {
	tb.Helper()
	return StartWith(tb, Build(tb), n, flags...)
}

// Build builds siphon into a temporary folder of tb and returns its path,
// for benchmarks that also run the client as a process of its own.
func Build(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "siphon")
	if out, err := exec.Command("go", "build", "-o", bin, "siphon/cmd/siphon").CombinedOutput(); err != nil {
		tb.Fatalf("building siphon: %v\n%s", err, out)
	}
	return bin
}

// StartWith is Start with a siphon binary Build made.
func StartWith(tb testing.TB, bin string, n int, flags ...string) string {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"demo-server", "--addr", "127.0.0.1:0", "--records", fmt.Sprint(n)}, flags...)...)
	stdout, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	err = cmd.Start()
	w.Close() // the child has its own copy: reading ends when it exits
	if err != nil {
		stdout.Close()
		tb.Fatal(err)
	}
	pid := cmd.Process.Pid
	tb.Cleanup(func() {
		if cmd.Process.Signal(os.Interrupt) != nil {
			cmd.Process.Kill() // no interrupt to send on this system
		}
		cmd.Wait()
	})
	// The first line names the address it listens on: "siphon demo API on
	// http://127.0.0.1:PORT (N records)". Listening comes before printing.
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		tb.Fatalf("siphon demo-server printed nothing: %v", sc.Err())
	}
	line := sc.Text()
	_, rest, ok := strings.Cut(line, " on ")
	base, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(base, "http://") {
		tb.Fatalf("siphon demo-server said %q, not where it listens", line)
	}
	go func() {
		defer stdout.Close()
		for sc.Scan() { // drain the endpoint list so the server never blocks on its stdout
		}
	}()
	servers.Store(base, pid)
	tb.Cleanup(func() { servers.Delete(base) })
	return base
}

// servers are the running servers' process ids, by base URL.
var servers sync.Map

// CPU is the user and system time the server at base has used so far;
// false where the system does not say (only Linux's /proc is read). A
// benchmark reads it around a pass to see whether the server worked harder
// for one client than for another.
func CPU(base string) (time.Duration, bool) {
	pid, ok := servers.Load(base)
	if !ok {
		return 0, false
	}
	return ProcessCPU(pid.(int))
}

// ProcessCPU is the user and system time process pid has used so far,
// read from /proc/PID/stat in clock ticks of 10 ms (USER_HZ is 100
// wherever /proc is); false where there is no /proc.
func ProcessCPU(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted from after its closing one (state is field 3, utime 14).
	end := strings.LastIndexByte(string(stat), ')')
	if end < 0 {
		return 0, false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
