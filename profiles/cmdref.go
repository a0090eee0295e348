package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"siphon/ingest/termsafe"
)

// CmdTimeout bounds a cmd: reference: a password manager waiting for a
// touch or a vault that does not answer must not hang a run for ever.
var CmdTimeout = 30 * time.Second

// maxCmdOutput bounds what a cmd: reference may print: a secret, not a file.
const maxCmdOutput = 64 << 10

// limitedBuffer keeps at most max bytes and notes that there was more.
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room < len(p) {
		l.over = true
		if room > 0 {
			l.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return l.buf.Write(p)
}

// runSecretCommand runs a cmd: reference with sh in the profile's folder and
// returns its standard output without the trailing newline. Its error names
// the command and shows the first line of what it said on stderr (a
// command's own complaint, never its output, which is the secret).
func runSecretCommand(command, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), CmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second // a child that keeps the pipes open does not hold us
	stdout := &limitedBuffer{max: maxCmdOutput}
	stderr := &limitedBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("cmd: %s did not finish within %s", termsafe.Clip(command, 200), CmdTimeout)
	case err != nil:
		msg := strings.TrimSpace(stderr.buf.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg != "" {
			return "", fmt.Errorf("cmd: %s failed (%v): %s", termsafe.Clip(command, 200), err, termsafe.Clip(msg, 300))
		}
		return "", fmt.Errorf("cmd: %s failed (%v)", termsafe.Clip(command, 200), err)
	case stdout.over:
		return "", fmt.Errorf("cmd: %s printed more than %d KiB; a secret is expected", termsafe.Clip(command, 200), maxCmdOutput>>10)
	}
	v := strings.TrimRight(stdout.buf.String(), "\r\n")
	if v == "" {
		return "", fmt.Errorf("cmd: %s printed nothing", termsafe.Clip(command, 200))
	}
	return v, nil
}
