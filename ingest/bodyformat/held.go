package bodyformat

import (
	"bytes"
	"fmt"
	"io"

	"siphon/ingest/bodybound"
	"siphon/ingest/spec"
)

// Headed is an opened body that keeps the start of the JSON a conversion
// yields, up to its keep bytes: for the checks that read a small page
// whole. A body read as it is keeps nothing here (its reader's tee does).
type Headed struct {
	Opened
	keep int
	head []byte
	n    int64
}

// Open opens r into b as Open does, keeping up to keep bytes of the
// converted JSON. A caller that opens body after body reuses one Headed,
// once it is done with the one before (what Kept returned stays the
// caller's).
func (b *Headed) Open(r io.Reader, o Options, keep int) error {
	op, err := open(r, o)
	if err != nil {
		return err
	}
	*b = Headed{Opened: op, keep: keep}
	return nil
}

func (b *Headed) Read(p []byte) (int, error) {
	n, err := b.Opened.Read(p)
	if n > 0 && b.Converted {
		b.n += int64(n)
		if room := b.keep - len(b.head); room > 0 {
			b.head = append(b.head, p[:min(n, room)]...)
		}
	}
	return n, err
}

// Lines reports a body read as NDJSON.
func (b *Headed) Lines() bool { return b.Format == FormatNDJSON }

// Kept is the whole converted JSON when it was small enough to keep.
func (b *Headed) Kept() ([]byte, bool) {
	return b.head, b.Converted && b.n == int64(len(b.head))
}

// ConvertHeld converts a held body to the JSON it stands for, within
// maxBody; a body that needs no conversion comes back as it is
// (converted false).
func ConvertHeld(body []byte, o Options, maxBody int64) (out []byte, format string, converted bool, err error) {
	ob, err := Open(bytes.NewReader(body), o)
	if err != nil {
		return nil, "", false, err
	}
	defer ob.Close()
	if !ob.Converted {
		return body, ob.Format, false, nil
	}
	out, err = io.ReadAll(io.LimitReader(ob, maxBody+1))
	if err != nil {
		return nil, "", false, err
	}
	if int64(len(out)) > maxBody {
		return nil, "", false, &bodybound.LimitError{Msg: fmt.Sprintf("the %s body, as JSON, is larger than the max_body cap (%s); a body is held whole only for a jq expression that is not a plain path: raise max_body or use a plain path, which streams", ob.Format, spec.FormatSize(maxBody))}
	}
	return out, ob.Format, true, nil
}
