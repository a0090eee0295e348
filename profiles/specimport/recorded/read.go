package recorded

import (
	"fmt"
	"io"
	"os"
)

// MaxFileBytes bounds a collection or HAR file: a browser's HAR of a long
// session runs to tens of megabytes; past this it is not a file to import
// whole.
const MaxFileBytes = 256 << 20

// ReadFile reads a source file, bounded.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s is over %d MiB: too large to import", path, MaxFileBytes>>20)
	}
	return data, nil
}
