package main

import (
	"strings"
	"testing"
)

func TestExpandShard(t *testing.T) {
	for _, tc := range []struct {
		in, env, want, err string
		set                bool
	}{
		{in: "2/4", want: "2/4"},
		{in: "index/4", env: "0", set: true, want: "1/4"},
		{in: "index/4", env: "3", set: true, want: "4/4"},
		{in: "index/4", err: "is not set"},
		{in: "index/4", env: "-1", set: true, err: "not an index"},
		{in: "index/4", env: "x", set: true, err: "not an index"},
	} {
		got, err := expandShard(tc.in, func(string) (string, bool) { return tc.env, tc.set })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s with %q: %v, want %q", tc.in, tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s with %q: %q %v, want %q", tc.in, tc.env, got, err, tc.want)
		}
	}
}
