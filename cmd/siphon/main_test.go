package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"siphon/ingest/demoapi"
	"siphon/profiles/configtest"
)

// The test binary doubles as siphon: run with SIPHON_TEST_AS_MAIN=1 it is
// the real command, so tests drive it as a subprocess with real signals.
func TestMain(m *testing.M) {
	if os.Getenv("SIPHON_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(configtest.Run(m))
}

// siphonCmd prepares `siphon args...` as a subprocess.
func siphonCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SIPHON_TEST_AS_MAIN=1", "SIPHON_PROFILES="+filepath.Join(dir, "profiles"))
	return cmd
}

// siphon runs `siphon args...` to its end.
func siphon(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := siphonCmd(t, dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func writeProfile(t *testing.T, dir, name, text string) string {
	t.Helper()
	pdir := filepath.Join(dir, "profiles")
	if err := os.MkdirAll(pdir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(pdir, name+".yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func cursorProfile(name, base string, limit int) string {
	return fmt.Sprintf(`name: %s
base_url: %s
path: /v1/cursor
records: .data
primary_key: id
pagination:
  type: cursor
  limit: %d
  cursor_path: .pagination.next_cursor
retry:
  max_attempts: 10
  initial_backoff: 1ms
  max_backoff: 10ms
`, name, base, limit)
}

// ids reads records.jsonl and counts each id.
func ids(t *testing.T, path string) map[int64]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[int64]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct{ ID int64 }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		seen[rec.ID]++
	}
	return seen
}

func checkExactlyOnce(t *testing.T, seen map[int64]int, n int) {
	t.Helper()
	for id := int64(1); id <= int64(n); id++ {
		if seen[id] != 1 {
			t.Fatalf("id %d appears %d times", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct ids, want %d", len(seen), n)
	}
}

func TestRunExitCodes(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 250})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "good", cursorProfile("good", srv.URL, 100))
	writeProfile(t, dir, "missing", cursorProfile("missing", srv.URL+"/nowhere", 100))
	writeProfile(t, dir, "typo", "name: typo\nbase_url: "+srv.URL+"\nrecrods: .data\n")

	code, _, stderr := siphon(t, dir, "run", "good")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "good", "records.jsonl")), 250)
	if !strings.Contains(stderr, "DONE") {
		t.Errorf("no DONE line in %s", stderr)
	}

	code, _, stderr = siphon(t, dir, "run", "missing")
	if code != 1 || !strings.Contains(stderr, "page 1") || !strings.Contains(stderr, "HTTP 404") || !strings.Contains(stderr, "Resume with: siphon run missing") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}

	code, _, stderr = siphon(t, dir, "run", "typo")
	if code != 2 || !strings.Contains(stderr, "typo.yaml:3:1") || !strings.Contains(stderr, "records") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}

	code, _, stderr = siphon(t, dir, "run")
	if code != 2 {
		t.Errorf("run without a profile: exit %d, stderr %s", code, stderr)
	}
	code, _, stderr = siphon(t, dir, "run", "no-such-profile")
	if code != 2 || !strings.Contains(stderr, "no-such-profile") {
		t.Errorf("unknown profile: exit %d, stderr %s", code, stderr)
	}
	code, _, _ = siphon(t, dir, "frobnicate")
	if code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestRunJSONLog(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 120})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "j", cursorProfile("j", srv.URL, 50))
	code, _, stderr := siphon(t, dir, "run", "j", "--log", "json", "--out", "out")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var ev struct{ Type string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		kinds[ev.Type]++
	}
	if kinds["started"] != 1 || kinds["page"] != 3 || kinds["finished"] != 1 || kinds["checkpoint"] == 0 {
		t.Errorf("event counts %v", kinds)
	}
}

// waitForPages reads a --log json stream until n page events have passed.
func waitForPages(r *bufio.Scanner, n int) bool {
	for r.Scan() {
		if strings.Contains(r.Text(), `"type":"page"`) {
			if n--; n <= 0 {
				return true
			}
		}
	}
	return false
}

// killAndResume runs `siphon run PROFILE` in dir again and again, each
// time killing it with SIGKILL after 1 to maxPages pages (drawn from rng),
// until it has killed it `kills` times; then it lets a run finish. It
// returns how many runs it killed (fewer when the data ran out first).
func killAndResume(t *testing.T, dir, profile string, rng *rand.Rand, kills, maxPages int) int {
	t.Helper()
	killed := 0
	for attempt := 0; ; attempt++ {
		if attempt > 2*kills+100 {
			t.Fatal("the run never finished")
		}
		cmd := siphonCmd(t, dir, "run", profile, "--log", "json")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		if killed < kills && waitForPages(sc, 1+rng.IntN(maxPages)) {
			cmd.Process.Kill()
			io.Copy(io.Discard, stderr)
			cmd.Wait()
			killed++
			continue
		}
		rest, _ := io.ReadAll(stderr)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("final run: %v\n%s", err, lastLines(string(rest), 5))
		}
		return killed
	}
}

func TestInterruptSavesCheckpointAndExits130(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 3000})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "sig", cursorProfile("sig", srv.URL, 10))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := siphonCmd(t, dir, "run", "sig", "--log", "json")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		if !waitForPages(sc, 5) {
			t.Fatal("no pages before the end of the run")
		}
		cmd.Process.Signal(sig)
		var rest strings.Builder
		for sc.Scan() {
			rest.WriteString(sc.Text() + "\n")
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("%v: exit %v, want 130; stderr %s", sig, err, rest.String())
		}
		if !strings.Contains(rest.String(), "Resume with: siphon run sig") {
			t.Errorf("no resume hint: %s", rest.String())
		}
	}
	code, _, stderr := siphon(t, dir, "run", "sig")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "sig", "records.jsonl")), 3000)
}

// TestKill9CostsNothing kills `siphon run` with SIGKILL at random moments
// against a faulty server, resumes each time, and checks that the output
// holds every record exactly once.
func TestKill9CostsNothing(t *testing.T) {
	const n = 4000
	srv := demoapi.NewServer(demoapi.Options{Records: n, Seed: 7, Faults: demoapi.Faults{
		ServerErrorRate: 0.1, ResetRate: 0.05, TruncateRate: 0.05, HTMLRate: 0.05,
	}})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "crash", cursorProfile("crash", srv.URL, 20))
	kills := killAndResume(t, dir, "crash", rand.New(rand.NewPCG(1, 2)), 25, 12)
	if kills < 20 {
		t.Fatalf("only %d kills", kills)
	}
	checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "crash", "records.jsonl")), n)
	t.Logf("%d kills", kills)
}

func TestProfilesCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeProfile(t, dir, "good", "name: good\nbase_url: https://api.example.com\n")
	needsEnv := writeProfile(t, dir, "needs", "name: needs\nbase_url: https://api.example.com\nauth:\n  type: bearer\n  token: ${SIPHON_CHECK_UNSET_TOKEN}\n")
	literal := writeProfile(t, dir, "literal", "name: literal\nbase_url: https://api.example.com\nauth:\n  type: bearer\n  token: sk-live-literal-123\n")

	code, stdout, stderr := siphon(t, dir, "profiles", "check", good, needsEnv)
	if code != 0 || !strings.Contains(stdout, "good.yaml: ok") || !strings.Contains(stdout, "SIPHON_CHECK_UNSET_TOKEN is not set") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = siphon(t, dir, "profiles", "check", good, literal)
	if code != 2 || !strings.Contains(stderr, "literal.yaml:5:10") || strings.Contains(stderr, "sk-live-literal-123") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	code, stdout, _ = siphon(t, dir, "profiles", "show", "needs")
	if code != 0 || !strings.Contains(stdout, "token: ${SIPHON_CHECK_UNSET_TOKEN}") {
		t.Errorf("show: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = siphon(t, dir, "profiles", "list")
	if code != 0 || !strings.Contains(stdout, "good") || !strings.Contains(stdout, "literal") {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
}

// The bare command takes the same --profiles flag as the others.
func TestConsoleTakesProfilesFlag(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "elsewhere")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "flagged.yaml"), []byte("name: flagged\nbase_url: https://api.example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := siphon(t, dir, "--profiles", other)
	if code != 0 || !strings.Contains(stdout, "flagged") {
		t.Errorf("siphon --profiles DIR: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = siphon(t, dir, "--no-such-flag")
	if code != 2 || !strings.Contains(stderr, "no-such-flag") {
		t.Errorf("unknown flag: exit %d\n%s", code, stderr)
	}
}

// TestCheckAndRunNameBadProfilesAlike: a bad jq expression and a partition
// reference the partitioning cannot fill are named with file:line:column
// by profiles check, by run before anything is fetched, and in profiles
// list; what run refuses, check refuses.
func TestCheckAndRunNameBadProfilesAlike(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, yaml, want string }{
		{"badjq", "name: badjq\nbase_url: http://127.0.0.1:1\nrecords: .data[\n",
			"badjq.yaml:3:10: records: invalid jq expression \".data[\": unexpected EOF"},
		{"badref", "name: badref\nbase_url: http://127.0.0.1:1\nparams:\n  since: ${partition.start}\npartitions:\n  values: [a, b]\n",
			"badref.yaml:4:10: params.since: partitions.values gives ${partition.value}, not ${partition.start} or ${partition.end}"},
		{"noref", "name: noref\nbase_url: http://127.0.0.1:1\npath: /items\npartitions:\n  values: [a, b]\n",
			"noref.yaml:5:3: partitions.values: partitions are set but no path, params, headers or body use"},
	} {
		path := writeProfile(t, dir, tc.name, tc.yaml)
		if code, _, stderr := siphon(t, dir, "profiles", "check", path); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("profiles check %s: exit %d\n%s\nwant %s", tc.name, code, stderr, tc.want)
		}
		if code, _, stderr := siphon(t, dir, "run", path, "--out", filepath.Join(dir, "out-"+tc.name)); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("run %s: exit %d\n%s\nwant %s", tc.name, code, stderr, tc.want)
		}
	}
	_, stdout, _ := siphon(t, dir, "profiles", "list")
	if !strings.Contains(stdout, `INVALID: `+filepath.Join(dir, "profiles", "badjq.yaml")+`:3:10: records: invalid jq expression`) {
		t.Errorf("list does not name the bad expression:\n%s", stdout)
	}
}
