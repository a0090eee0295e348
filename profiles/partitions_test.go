package profiles

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// TestPartitionsLoad: each kind loads, its ${partition.*} references
// survive the loader's ${VAR} expansion, and Format writes what loads back.
func TestPartitionsLoad(t *testing.T) {
	base := "base_url: https://api.example.com\npath: /items\n"
	cases := []struct {
		name, yaml string
		check      func(t *testing.T, c spec.Config)
	}{
		{"ints", base + "partitions:\n  ints: {start: 1, end: 50001, every: 5000}\nconcurrency: 8\nparams:\n  id_gte: ${partition.start}\n  id_lt: ${partition.end}\n  region: ${REGION:-eu}\n",
			func(t *testing.T, c spec.Config) {
				if c.Partitions.Ints != (spec.IntPartitions{Start: 1, End: 50001, Every: 5000}) || c.Concurrency != 8 {
					t.Errorf("ints %+v, concurrency %d", c.Partitions.Ints, c.Concurrency)
				}
				if c.Params["id_gte"] != "${partition.start}" || c.Params["id_lt"] != "${partition.end}" || c.Params["region"] != "eu" {
					t.Errorf("params %v", c.Params)
				}
			}},
		{"dates", base + "partitions:\n  dates: {start: 2024-01-01T00:00:00Z, end: 2025-01-01T00:00:00Z, every: 720h}\nparams:\n  since: ${partition.start}\n",
			func(t *testing.T, c spec.Config) {
				if c.Partitions.Dates.Start != "2024-01-01T00:00:00Z" || c.Partitions.Dates.Every != 720*time.Hour {
					t.Errorf("dates %+v", c.Partitions.Dates)
				}
			}},
		{"values", base + "partitions:\n  values: [acme, globex]\nheaders:\n  X-Tenant: ${partition.value}\n",
			func(t *testing.T, c spec.Config) {
				if len(c.Partitions.Values) != 2 || c.Headers["X-Tenant"] != "${partition.value}" {
					t.Errorf("values %v headers %v", c.Partitions.Values, c.Headers)
				}
			}},
		{"from", "base_url: https://api.example.com\npath: /repos/${partition.value}/issues\npartitions:\n  from: {profile: repos, records: .full_name}\n",
			func(t *testing.T, c spec.Config) {
				if c.Partitions.From.Profile != "repos" || c.Path != "/repos/${partition.value}/issues" {
					t.Errorf("from %+v path %s", c.Partitions.From, c.Path)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Loader{CheckExpr: page.Check, LookupEnv: func(string) (string, bool) { return "", false }}.LoadBytes(tc.name+".yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p.Config)
			out := Format(p)
			back, err := Loader{CheckExpr: page.Check, LookupEnv: func(string) (string, bool) { return "", false }}.LoadBytes(tc.name+".yaml", out)
			if err != nil {
				t.Fatalf("reloading:\n%s\n%v", out, err)
			}
			tc.check(t, back.Config)
			if strings.Contains(string(out), "$${partition") {
				t.Errorf("Format escaped a partition reference:\n%s", out)
			}
		})
	}
	// A profile without partitions writes no partitions section.
	p, err := Loader{CheckExpr: page.Check}.LoadBytes("plain.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(Format(p)), "partitions") {
		t.Errorf("plain profile formats with partitions:\n%s", Format(p))
	}
}

func TestPartitionsErrors(t *testing.T) {
	base := "base_url: https://api.example.com\npath: /items\nparams:\n  a: ${partition.start}\n"
	cases := []struct{ name, yaml, want string }{
		{"two kinds", base + "partitions:\n  ints: {start: 1, end: 5, every: 1}\n  values: [a]\n", "exactly one of ints, dates, values, from"},
		{"empty window", base + "partitions:\n  ints: {start: 5, end: 5, every: 1}\n", "must be greater than start"},
		{"bad date", base + "partitions:\n  dates: {start: yesterday, end: 2025-01-01T00:00:00Z, every: 24h}\n", "RFC 3339"},
		{"unknown ref", "base_url: https://api.example.com\nparams:\n  a: ${partition.begin}\n", "a reference must be"},
		{"from without profile", base + "partitions:\n  from: {records: .id}\n", "needs profile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Loader{CheckExpr: page.Check}.LoadBytes("p.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPartitionRefsErrors: what a run refuses in ${partition.*}
// references, the loader refuses with the position of the value that
// holds the reference, or of the partitions it does not use.
func TestPartitionRefsErrors(t *testing.T) {
	base := "base_url: https://api.example.com\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"no partitions", base + "path: /items/${partition.value}\n", []string{
			"2:7: path: ${partition.*} is used but the profile has no partitions"}},
		{"start with values", base + "params:\n  since: ${partition.start}\n  q: x\npartitions:\n  values: [a]\n", []string{
			"3:10: params.since: partitions.values gives ${partition.value}, not ${partition.start} or ${partition.end}"}},
		{"value with dates", base + "headers:\n  X-Tenant: t-${partition.value}\npartitions:\n  dates: {start: 2024-01-01T00:00:00Z, end: 2024-02-01T00:00:00Z, every: 24h}\n", []string{
			"3:13: headers.X-Tenant: partitions.dates gives ${partition.start} and ${partition.end}, not ${partition.value}"}},
		{"value in body with ints", base + "method: POST\nbody:\n  id: ${partition.value}\npartitions:\n  ints: {start: 1, end: 9, every: 4}\n", []string{
			"4:3: body: partitions.ints gives ${partition.start} and ${partition.end}, not ${partition.value}"}},
		{"unused", base + "path: /items\npartitions:\n  values: [a, b]\n", []string{
			"4:3: partitions.values: partitions are set but no path, params, headers or body use ${partition.start}, ${partition.end} or ${partition.value}: every partition would fetch the same data"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Loader{CheckExpr: page.Check}.LoadBytes("p.yaml", []byte(tc.yaml))
			if got := problemsOf(t, err); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", fmtList(got), fmtList(tc.want))
			}
		})
	}
}

// TestLongValueListLoadsLean: a profile listing 50,000 values loads
// without a copy of each value or a list of partitions besides the YAML
// tree: what a large fan-out's run allocates before its first request.
func TestLongValueListLoadsLean(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: fan\nbase_url: https://api.example.com\npath: /items/${partition.value}\npartitions:\n  values:\n")
	const n = 50_000
	for i := range n {
		fmt.Fprintf(&b, "    - \"%d\"\n", i*2)
	}
	data := []byte(b.String())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := Loader{SkipSecrets: true}.LoadBytes("fan.yaml", data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if vals := p.Config.Partitions.Values; len(vals) != n || vals[1] != "2" || vals[n-1] != fmt.Sprint((n-1)*2) {
		t.Fatalf("%d values: %v ... %v", len(vals), vals[:2], vals[len(vals)-1])
	}
	// The YAML tree is some 250 bytes a value; a value copied, its field
	// named, or the partitions listed to check them cost as much again.
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 400 {
		t.Errorf("loading allocates %d bytes a value, want at most 400", per)
	}
}
