package main

import (
	"fmt"
	"strconv"
	"strings"
)

// completionIndexVar is what a Kubernetes Indexed Job sets in each pod: its
// index, 0 to completions-1.
const completionIndexVar = "JOB_COMPLETION_INDEX"

// expandShard turns --shard index/N into K/N with K = $JOB_COMPLETION_INDEX
// + 1, so an Indexed Job's pods each run their own shard with no shell in
// the image to do the arithmetic. Any other value is returned as given.
func expandShard(s string, lookup func(string) (string, bool)) (string, error) {
	n, ok := strings.CutPrefix(s, "index/")
	if !ok {
		return s, nil
	}
	raw, set := lookup(completionIndexVar)
	if !set {
		return "", fmt.Errorf("%s: $%s is not set (a Kubernetes Indexed Job sets it in each pod; elsewhere give K/N)", s, completionIndexVar)
	}
	i, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || i < 0 {
		return "", fmt.Errorf("%s: $%s is %q, not an index (0, 1, 2…)", s, completionIndexVar, raw)
	}
	return fmt.Sprintf("%d/%s", i+1, n), nil
}
