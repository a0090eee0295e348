package bodyformat

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxHeld bounds the first occurrence of a child element held back until
// its next sibling says whether it starts an array. A bigger one is written
// as a single value at once (a wrapper holding the records, as a rule).
const maxHeld = 4 << 20

// XML returns the JSON object an XML body maps to: {"Root": value}, where an
// element with neither attributes nor children is its text, and otherwise
// an object of its attributes ("@name"), its children (by local name; a
// name repeated in a row is an array) and its text ("#text", when not only
// white space). Namespaces are dropped.
//
// It streams: each element is written as soon as its next sibling starts,
// so a large export costs what its largest record costs. That needs the
// occurrences of a repeated element to follow each other, as they do in
// export and listing formats; a name that comes back after another is an
// error rather than a key written twice.
func XML(r io.Reader) io.ReadCloser {
	return pipe(r, convertXML)
}

func convertXML(r io.Reader, w *bufio.Writer) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.Entity = nil // only XML's own five entities: no DTD expansion, nothing fetched
	c := &xmlConv{d: d, sw: newStringWriter()}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return errors.New("XML body: no root element")
		}
		if err != nil {
			return xmlError(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			w.WriteByte('{')
			c.sw.write(w, se.Name.Local)
			w.WriteByte(':')
			if err := c.element(w, se); err != nil {
				return err
			}
			w.WriteByte('}')
			return c.rest()
		}
	}
}

// xmlConv converts one document.
type xmlConv struct {
	d  *xml.Decoder
	sw *stringWriter
}

// rest reads what follows the root: comments and white space only.
func (c *xmlConv) rest() error {
	for {
		tok, err := c.d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			return errors.New("XML body: a second root element")
		}
	}
}

// sibling is what is known of the children written so far.
type sibling struct {
	name    string        // the last child's name
	held    *bytes.Buffer // its value, held back until the next sibling starts (nil: written)
	inArray bool          // the last child continues an array of its name
	done    map[string]bool
}

// element writes the value of the element that se started, up to its end.
func (c *xmlConv) element(w sink, se xml.StartElement) error {
	e := &elem{c: c, w: w, name: se.Name.Local, sib: sibling{done: map[string]bool{}}}
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue // a namespace declaration: namespaces are dropped
		}
		e.open()
		c.sw.write(w, "@"+a.Name.Local)
		w.WriteByte(':')
		c.sw.write(w, a.Value)
	}
	for {
		tok, err := c.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("XML body: it ends inside <" + e.name + ">")
			}
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			// White space between children is layout, not text: a wrapper
			// of a million rows must not keep a million line breaks.
			if e.text.Len() < maxHeld && !(e.sib.name != "" && len(bytes.TrimSpace(t)) == 0) {
				e.text.Write(t)
			}
		case xml.StartElement:
			if err := e.child(t); err != nil {
				return err
			}
		case xml.EndElement:
			e.end()
			return nil
		}
	}
}

// elem is an element being written: its object, its text, its children.
type elem struct {
	c          *xmlConv
	w          sink
	name       string
	text       strings.Builder
	objectOpen bool
	sib        sibling
}

// open starts the element's object, or separates its next member.
func (e *elem) open() {
	if !e.objectOpen {
		e.w.WriteByte('{')
		e.objectOpen = true
	} else {
		e.w.WriteByte(',')
	}
}

// flush ends the run of the last child's name: the held value, or the
// array's closing bracket.
func (e *elem) flush() {
	switch {
	case e.sib.held != nil:
		e.w.Write(e.sib.held.Bytes())
		e.sib.held = nil
	case e.sib.inArray:
		e.w.WriteByte(']')
	}
	if e.sib.name != "" {
		e.sib.done[e.sib.name] = true
	}
	e.sib.inArray = false
}

// child writes a child element: an array's next item, or a new key whose
// value is held back until the next sibling says whether it repeats (a big
// one is written at once: it is no array's start).
func (e *elem) child(t xml.StartElement) error {
	name, w := t.Name.Local, e.w
	switch {
	case name == e.sib.name && e.sib.held != nil: // the second in a row: the first began an array
		w.WriteByte('[')
		w.Write(e.sib.held.Bytes())
		e.sib.held, e.sib.inArray = nil, true
		w.WriteByte(',')
		return e.c.element(w, t)
	case name == e.sib.name && e.sib.inArray:
		w.WriteByte(',')
		return e.c.element(w, t)
	case name == e.sib.name:
		return fmt.Errorf("XML body: <%s> in <%s> repeats after an occurrence over %d MiB; siphon cannot hold so large an element to make an array", name, e.name, maxHeld>>20)
	case e.sib.done[name]:
		return fmt.Errorf("XML body: <%s> in <%s> comes back after other elements; siphon maps only repeats in a row to an array", name, e.name)
	}
	e.flush()
	e.open()
	e.c.sw.write(w, name)
	w.WriteByte(':')
	e.sib.name = name
	hold := &holdWriter{max: maxHeld, spill: w}
	if err := e.c.element(hold, t); err != nil {
		return err
	}
	if hold.err != nil {
		return hold.err
	}
	if !hold.spilled {
		e.sib.held = &hold.buf
	}
	return nil
}

// end closes the element: its text alone, or its object with "#text".
func (e *elem) end() {
	e.flush()
	text := e.text.String()
	switch {
	case !e.objectOpen:
		e.c.sw.write(e.w, text)
	case strings.TrimSpace(text) != "":
		e.w.WriteByte(',')
		e.c.sw.write(e.w, "#text")
		e.w.WriteByte(':')
		e.c.sw.write(e.w, text)
		e.w.WriteByte('}')
	default:
		e.w.WriteByte('}')
	}
}

// sink is where a value is written: the output, or a holdWriter.
type sink interface {
	Write(p []byte) (int, error)
	WriteByte(c byte) error
	WriteString(s string) (int, error)
}

// holdWriter holds what is written until max bytes, then writes what it
// holds and everything after to spill.
type holdWriter struct {
	buf     bytes.Buffer
	max     int
	spill   sink
	spilled bool
	err     error
}

func (h *holdWriter) Write(p []byte) (int, error) {
	if !h.spilled && h.buf.Len()+len(p) <= h.max {
		return h.buf.Write(p)
	}
	if !h.spilled {
		h.spilled = true
		if _, err := h.spill.Write(h.buf.Bytes()); err != nil {
			h.err = err
			return 0, err
		}
		h.buf = bytes.Buffer{} // let the held bytes go: the rest streams
	}
	n, err := h.spill.Write(p)
	if err != nil {
		h.err = err
	}
	return n, err
}

func (h *holdWriter) WriteByte(c byte) error {
	_, err := h.Write([]byte{c})
	return err
}

func (h *holdWriter) WriteString(s string) (int, error) { return h.Write([]byte(s)) }

// xmlError names the line of a malformed document.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return fmt.Errorf("XML body, line %d: it ends before the document does (cut off?)", se.Line)
	}
	if errors.As(err, &se) {
		return fmt.Errorf("XML body, line %d: %s", se.Line, se.Msg)
	}
	return fmt.Errorf("XML body: %w", err)
}
