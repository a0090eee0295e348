package store

import (
	"errors"
	"io/fs"
	"strings"
)

// ReadFS is the folder as a read-only fs.FS, for the readers of an output
// (replay, state rewind, the console, partitions.from). Every name is
// opened through a handle on the folder above it without following a
// link (openAt), as a run opens its files: a link planted in the output
// is refused, never read through. Only regular files and folders open (a
// FIFO under a file's name would block its reader). The folder need not
// exist: opening in it then fails with fs.ErrNotExist.
func (d Dir) ReadFS() (fs.FS, error) { return dirFS(d), nil }

// dirFS is a Dir's read-only view.
type dirFS string

func (d dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	dir, err := openDirNoFollow(string(d))
	if err != nil {
		return nil, err
	}
	if name == "." {
		return dir, nil
	}
	elems := strings.Split(name, "/")
	for _, e := range elems[:len(elems)-1] {
		next, err := openAt(dir, e, readFlags, 0)
		dir.Close()
		if err != nil {
			return nil, err
		}
		dir = next
	}
	f, err := openAt(dir, elems[len(elems)-1], readFlags, 0)
	dir.Close()
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		err = &fs.PathError{Op: "open", Path: f.Name(), Err: errors.New("neither a regular file nor a folder")}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
