package demoapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRecordExactBytes(t *testing.T) {
	tests := []struct {
		id      int64
		drifted bool
		want    string
	}{
		{1, false, `{"id":1,"name":"Customer 0001","email":"c0001@example.test","status":"active","amount":13.57,` +
			`"created_at":"2025-01-01T01:00:01Z","updated_at":"2026-01-01T00:01:00Z","tags":["vip"],` +
			`"customer":{"id":5001,"country":"FR"},"external_id":9007199254740994}`},
		{4, false, `{"id":4,"name":"Customer 0004","email":"c0004@example.test","status":"active","amount":51.00,` +
			`"created_at":"2025-01-01T04:00:04Z","updated_at":"2026-01-01T00:02:00Z","tags":["trial","vip"],` +
			`"customer":{"id":5004,"country":"JP"},"external_id":9007199254740997}`},
		{7, false, `{"id":7,"name":"Customer 0007","email":"c0007@example.test","status":"active","amount":88.71,` +
			`"created_at":"2025-01-01T07:00:07Z","updated_at":"2026-01-01T00:03:00Z","tags":["new","eu"],` +
			`"customer":{"id":5007,"country":"DE"},"counter":9223372036854775807,"external_id":9007199254741000}`},
		{12345, false, `{"id":12345,"name":"Customer 12345","email":"c12345@example.test","status":"closed","amount":467.57,` +
			`"created_at":"2026-05-30T09:00:45Z","updated_at":"2026-01-03T20:35:00Z","tags":[],` +
			`"customer":{"id":5026,"country":"JP"},"external_id":9007199254753338}`},
		{4, true, `{"id":4,"name":"Customer 0004","email":"c0004@example.test","status":"active","amount":"51.00",` +
			`"created_at":"2025-01-01T04:00:04Z","updated_at":"2026-01-01T00:02:00Z",` +
			`"customer":{"id":5004,"country":"JP"},"loyalty_tier":"silver","external_id":9007199254740997}`},
	}
	for _, tt := range tests {
		got := string(appendRecord(nil, tt.id, tt.drifted))
		if got != tt.want {
			t.Errorf("record %d (drifted %v):\n got %s\nwant %s", tt.id, tt.drifted, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("record %d is not valid JSON", tt.id)
		}
	}
}

func TestRecordsAreValidJSONWithOrderedKeys(t *testing.T) {
	d := newDataset(300, 200)
	for i, rec := range d.snapshot() {
		if !json.Valid(rec) {
			t.Fatalf("record %d is not valid JSON: %s", i+1, rec)
		}
		drifted := i+1 > 200
		if got := bytes.Contains(rec, []byte(`"tags":`)); got == drifted {
			t.Errorf("record %d: has tags %v, drifted %v", i+1, got, drifted)
		}
		if got := bytes.Contains(rec, []byte(`"loyalty_tier":`)); got != drifted {
			t.Errorf("record %d: has loyalty_tier %v, drifted %v", i+1, got, drifted)
		}
		s := string(rec)
		if !(strings.Index(s, `"id"`) < strings.Index(s, `"name"`) &&
			strings.Index(s, `"updated_at"`) < strings.Index(s, `"customer"`) &&
			strings.Index(s, `"customer"`) < strings.Index(s, `"external_id"`)) {
			t.Fatalf("record %d keys out of order: %s", i+1, s)
		}
	}
}

func TestUpdatedAtComesInThrees(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := int64(1); id <= 9; id++ {
		want := base.Add(time.Duration((id+2)/3) * time.Minute)
		if got := updatedAt(id); !got.Equal(want) {
			t.Errorf("updatedAt(%d) = %s, want %s", id, got, want)
		}
	}
	if !updatedAt(1).Equal(updatedAt(3)) || updatedAt(3).Equal(updatedAt(4)) {
		t.Error("ids 1-3 should share a timestamp and 4 should not")
	}
}

func TestAppendContinuesIdsAndTimestamps(t *testing.T) {
	s := startServer(t, Options{Records: 4})
	ids := s.Append(3)
	if want := []int64{5, 6, 7}; !equalInts(ids, want) {
		t.Fatalf("Append(3) = %v, want %v", ids, want)
	}
	if s.Len() != 7 {
		t.Fatalf("Len() = %d, want 7", s.Len())
	}
	if got := s.Append(0); got != nil {
		t.Fatalf("Append(0) = %v, want nil", got)
	}
	// Record 5 shares record 4's updated_at, so it shows up after 4's time only inclusively.
	c := newClient(t)
	_, body := getOK(t, c, s.URL+"/v1/timestamp?updated_since=2026-01-01T00:02:00Z")
	var page struct{ Data []json.RawMessage }
	decode(t, body, &page)
	if got := idsOf(t, page.Data); !equalInts(got, []int64{4, 5, 6, 7}) {
		t.Fatalf("updated_since the old last timestamp: ids %v, want [4 5 6 7]", got)
	}
	_, body = getOK(t, c, s.URL+"/v1/keyset?since_id=4")
	decode(t, body, &page)
	if got := idsOf(t, page.Data); !equalInts(got, []int64{5, 6, 7}) {
		t.Fatalf("keyset after 4: ids %v, want [5 6 7]", got)
	}
}

func TestBigIntegersKeepTheirText(t *testing.T) {
	s := startServer(t, Options{Records: 10})
	_, body := getOK(t, newClient(t), s.URL+"/v1/keyset?limit=10")
	for _, want := range []string{`"external_id":9007199254740994`, `"counter":9223372036854775807`, `"amount":51.00`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("body lacks %s", want)
		}
	}
	var page struct {
		Data []struct {
			ExternalID json.Number `json:"external_id"`
			Counter    json.Number `json:"counter"`
		}
	}
	decode(t, body, &page)
	if got := page.Data[6].Counter.String(); got != "9223372036854775807" {
		t.Errorf("record 7 counter = %s", got)
	}
	if got := page.Data[0].ExternalID.String(); got != "9007199254740994" {
		t.Errorf("record 1 external_id = %s", got)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
