package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks what the image promises and no engine is needed to
// see: two stages, the builder's Go the same as go.mod's, a static binary
// (cgo off), a final image with no shell, a non-root user, an exec-form
// entry point. (Building the image needs a Docker engine; the build line's
// binary was checked static by hand with `file`.)
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(string(gomod))
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) != 2 {
		t.Fatalf("want a build stage and a final stage, got %d FROM lines", len(froms))
	}
	if goVersion == nil || !strings.HasPrefix(froms[0][1], "golang:"+goVersion[1]) {
		t.Errorf("the build stage %s does not use go.mod's Go %v", froms[0][1], goVersion)
	}
	if !strings.Contains(froms[1][1], "distroless/static") {
		t.Errorf("the final stage %s is not a shell-less static base", froms[1][1])
	}
	for _, want := range []string{"CGO_ENABLED=0 go build", "-trimpath", "./cmd/siphon", `ENTRYPOINT ["`} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindAllStringSubmatch(df, -1)
	if len(user) == 0 || strings.HasPrefix(user[len(user)-1][1], "0") || strings.HasPrefix(user[len(user)-1][1], "root") {
		t.Errorf("the image must run as a non-root user: %v", user)
	}
}
