package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"siphon/ingest"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// The history line every run writes names this version.
func init() { ingest.Version = version }

func cmdVersion(stdout io.Writer) error {
	fmt.Fprintf(stdout, "siphon %s\n", version)
	if info, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(stdout, "go: %s\n", info.GoVersion)
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH":
				fmt.Fprintf(stdout, "%s: %s\n", s.Key, s.Value)
			}
		}
		for _, d := range info.Deps {
			switch d.Path {
			case "github.com/go-resty/resty/v2", "github.com/itchyny/gojq", "github.com/charmbracelet/bubbletea":
				fmt.Fprintf(stdout, "%s %s\n", d.Path, d.Version)
			}
		}
	}
	return nil
}
