package demoapi

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// A cursor is opaque to clients: base64url of "c:OFFSET:PAGE" for the
// cursor endpoint, or "loop:K" for the loop endpoint.

type cursorPos struct {
	offset int // index of the page's first record
	page   int // 1-based page number, for the RepeatCursorAt and EmptyPageAt faults
}

func encodeCursor(p cursorPos) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.Itoa(p.offset) + ":" + strconv.Itoa(p.page)))
}

// decodeCursor parses a cursor; the empty cursor is the first page.
func decodeCursor(s string) (cursorPos, error) {
	if s == "" {
		return cursorPos{0, 1}, nil
	}
	bad := &paramError{"cursor", s, "not a cursor this API issued"}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursorPos{}, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "c" {
		return cursorPos{}, bad
	}
	off, err1 := strconv.Atoi(parts[1])
	page, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || off < 0 || page < 1 {
		return cursorPos{}, bad
	}
	return cursorPos{off, page}, nil
}

// loopCycle is the length of the loop endpoint's cycle A -> B -> C -> A.
const loopCycle = 3

func encodeLoopCursor(k int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("loop:" + strconv.Itoa(k)))
}

// decodeLoopCursor returns the cursor's place in the cycle: 0 for the first
// request (no cursor), 1..loopCycle after that.
func decodeLoopCursor(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	bad := &paramError{"cursor", s, "not a cursor this API issued"}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	k, err := strconv.Atoi(strings.TrimPrefix(string(raw), "loop:"))
	if err != nil || !strings.HasPrefix(string(raw), "loop:") || k < 1 || k > loopCycle {
		return 0, bad
	}
	return k, nil
}
