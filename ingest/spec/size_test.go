package spec

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"64MiB", 64 << 20}, {"500KB", 500_000}, {"1048576", 1 << 20}, {"2 GiB", 2 << 30}, {"10B", 10}, {"1GB", 1e9},
		{"", 0}, {"0", 0}, {"-1MiB", 0}, {"1.5MiB", 0}, {"MiB", 0}, {"9999999999GiB", 0}, {"12 parsecs", 0},
	} {
		got, err := ParseSize(tc.in)
		if got != tc.want || (err == nil) != (tc.want > 0) {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
