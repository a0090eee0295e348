package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/demoapi"
	"siphon/ingest/store/s3store/s3test"
)

// indexedJob is what the recipe's Job says that siphon reads.
type indexedJob struct {
	Spec struct {
		Completions int `yaml:"completions"`
		Template    struct {
			Spec struct {
				Containers []struct {
					Args []string `yaml:"args"`
					Env  []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					VolumeMounts []struct {
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// recipeJob reads the Kubernetes recipe's Job from docs/partitions.md.
func recipeJob(t *testing.T) indexedJob {
	t.Helper()
	doc, err := os.ReadFile("../../docs/partitions.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(apiVersion: batch/v1\nkind: Job.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/partitions.md has no Job recipe")
	}
	var job indexedJob
	if err := yaml.Unmarshal(m[1], &job); err != nil {
		t.Fatalf("the recipe's YAML: %v", err)
	}
	if job.Spec.Completions < 2 || len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the recipe is not an indexed job of one container: %+v", job)
	}
	return job
}

// TestKubernetesRecipe runs the documented Indexed Job's container args as
// written, one process per completion index, each with its own working
// folder and home (its own node), against a real S3 server: the image's
// profiles folder, no shell. One pod is killed partway and rescheduled on
// another node; every shard's records, read back from the bucket, hold
// every record once.
func TestKubernetesRecipe(t *testing.T) {
	const n = 1200
	job := recipeJob(t)
	c := job.Spec.Template.Spec.Containers[0]
	args := c.Args
	if len(args) == 0 || args[0] != "run" {
		t.Fatalf("the recipe's args do not run siphon: %v", args)
	}
	out := ""
	for i, a := range args {
		if a == "--out" && i+1 < len(args) {
			out = args[i+1]
		}
		if strings.Contains(a, "$") {
			t.Fatalf("the recipe's args need a shell to expand %q; the image has none", a)
		}
	}
	bucket, prefix, ok := strings.Cut(strings.TrimPrefix(out, "s3://"), "/")
	if !strings.HasPrefix(out, "s3://") || !ok {
		t.Fatalf("the recipe writes to %q, not a bucket", out)
	}
	profile := args[1]

	s3srv := s3test.Start(t)
	s3srv.Bucket(t, bucket)
	api := demoapi.NewServer(demoapi.Options{Records: n, Latency: 2e6})
	defer api.Close()
	// The image's profiles folder (a ConfigMap), as its SIPHON_PROFILES says.
	profiles := t.TempDir()
	if err := os.WriteFile(filepath.Join(profiles, profile+".yaml"), []byte(windowsProfile(profile, api.URL, n, 100, 2)), 0o600); err != nil {
		t.Fatal(err)
	}
	pod := func(index int) *bytes.Buffer {
		cmd := s3Cmd(t, s3srv, t.TempDir(), t.TempDir(), args...)
		cmd.Env = append(cmd.Env, "SIPHON_PROFILES="+profiles, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", index))
		for _, e := range c.Env {
			if e.Value != "" && !strings.HasPrefix(e.Name, "AWS_") { // the test server's own AWS settings stand
				cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
			}
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil && !held(stderr.String()) {
			t.Errorf("pod %d: %v\n%s", index, err, lastLines(stderr.String(), 8))
		}
		return &stderr
	}

	// Pod 1 is killed partway, as when its node goes away.
	killed := s3Cmd(t, s3srv, t.TempDir(), t.TempDir(), append(args, "--log", "json")...)
	killed.Env = append(killed.Env, "SIPHON_PROFILES="+profiles, "JOB_COMPLETION_INDEX=1")
	pipe, err := killed.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitForPages(bufio.NewScanner(pipe), 10) {
		t.Fatal("pod 1 ended before 10 pages")
	}
	killed.Process.Kill()
	io.Copy(io.Discard, pipe)
	killed.Wait()

	var wg sync.WaitGroup
	for i := range job.Spec.Completions {
		wg.Go(func() {
			for range 100 { // a pod meeting the killed one's lease is retried by the Job
				if !held(pod(i).String()) {
					return
				}
			}
			t.Errorf("pod %d: the lease never expired", i)
		})
	}
	wg.Wait()
	var prefixes []string
	for k := 1; k <= job.Spec.Completions; k++ {
		prefixes = append(prefixes, s3PartitionPrefixes(t, s3srv, bucket, fmt.Sprintf("%s/shard-%d-of-%d", prefix, k, job.Spec.Completions))...)
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, bucket, prefixes...), n)
}
