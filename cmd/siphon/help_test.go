package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpOnEveryCommand: -h works on every command and command group, exits
// 0 and says how to use it.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"help"}, {"run", "-h"}, {"probe", "-h"}, {"demo", "-h"}, {"demo-server", "-h"},
		{"profiles", "-h"}, {"profiles", "--help"}, {"profiles", "list", "-h"}, {"profiles", "show", "-h"},
		{"profiles", "check", "-h"}, {"profiles", "trust", "-h"},
		{"auth", "-h"}, {"auth", "login", "-h"}, {"import", "-h"}, {"import", "curl", "-h"}, {"replay", "-h"}, {"state", "-h"}, {"state", "show", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			text := out.String() + errb.String()
			if code != 0 || !strings.Contains(strings.ToLower(text), "usage") {
				t.Errorf("exit %d:\n%s", code, text)
			}
		})
	}
}
