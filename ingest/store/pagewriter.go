package store

import (
	"fmt"
	"os"
	"sync"
)

// pageWriter writes archived page bodies on a goroutine of its own, so
// that creating one file per page (slow on some filesystems) overlaps with
// fetching the next page. A commit waits for a barrier queued behind the
// bodies it vouches for: the index never names a body that is not written.
type pageWriter struct {
	dir     *folder
	recycle func([]byte) // takes back a pooled body once written; may be nil
	queue   chan pageFile
	stopped chan struct{}

	mu  sync.Mutex
	err error // the first failure; later bodies are not written
}

type pageFile struct {
	page   int
	name   string
	body   []byte
	pooled bool          // body's buffer goes to recycle once written
	done   chan struct{} // a barrier: closed once every body before it is written
}

func newPageWriter(dir *folder, recycle func([]byte)) *pageWriter {
	w := &pageWriter{dir: dir, recycle: recycle, queue: make(chan pageFile, 64), stopped: make(chan struct{})}
	go w.loop()
	return w
}

func (w *pageWriter) loop() {
	defer close(w.stopped)
	for f := range w.queue {
		if f.done != nil {
			close(f.done)
			continue
		}
		if w.failed() == nil {
			if err := w.writeFile(f.name, f.body); err != nil {
				w.mu.Lock()
				w.err = fmt.Errorf("archiving page %d: %w", f.page, err)
				w.mu.Unlock()
			}
		}
		if f.pooled && w.recycle != nil {
			w.recycle(f.body)
		}
	}
}

// writeFile writes one body, links refused (see folder.open).
func (w *pageWriter) writeFile(name string, body []byte) error {
	f, err := w.dir.open(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (w *pageWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// write queues a body; an earlier failure is reported instead.
func (w *pageWriter) write(page int, name string, body []byte, pooled bool) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.queue <- pageFile{page: page, name: name, body: body, pooled: pooled}
	return nil
}

// barrier returns a channel closed once every body queued so far is
// written; failed then has the first failure.
func (w *pageWriter) barrier() <-chan struct{} {
	done := make(chan struct{})
	w.queue <- pageFile{done: done}
	return done
}

// close drains the queue and stops the goroutine.
func (w *pageWriter) close() error {
	close(w.queue)
	<-w.stopped
	return w.failed()
}
