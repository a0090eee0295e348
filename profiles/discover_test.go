package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"siphon/ingest/page"
)

func TestDiscover(t *testing.T) {
	dir1, dir2 := filepath.Join("testdata", "dir1"), filepath.Join("testdata", "dir2")
	got := Loader{CheckExpr: page.Check}.Discover([]string{dir1, dir2, filepath.Join("testdata", "no-such-dir")})

	type row struct{ Name, Description, Path, Pagination, Auth, Err string }
	var rows []row
	for _, e := range got {
		r := row{e.Name, e.Description, e.Path, e.Pagination, e.Auth, ""}
		if e.Err != nil {
			r.Err = e.Err.Error()
		}
		rows = append(rows, r)
	}
	want := []row{
		{"broken", "", filepath.Join(dir1, "broken.yaml"), "none", "none",
			filepath.Join(dir1, "broken.yaml") + ":3:1: recrods: unknown key; did you mean records?"},
		// The first folder wins; secrets are not needed to list.
		{"orders", "Orders from the first folder", filepath.Join(dir1, "orders.yaml"), "cursor", "bearer", ""},
		{"orders", "Orders from the second folder (shadowed)", filepath.Join(dir2, "orders.yml"), "none", "none",
			"shadowed by " + filepath.Join(dir1, "orders.yaml") + ", which is also named orders"},
		{"users", "Users", filepath.Join(dir2, "users.yaml"), "page", "none", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Discover:\n got %+v\nwant %+v", rows, want)
	}
	var shadowed *ShadowedError
	if len(got) > 2 && !errors.As(got[2].Err, &shadowed) {
		t.Errorf("shadowed entry's Err is %T, want *ShadowedError", got[2].Err)
	}
}

func TestDiscoverNamesUnparsableFileByFileName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "garbled.yaml", "name: [unclosed\n")
	got := Loader{CheckExpr: page.Check}.Discover([]string{dir})
	if len(got) != 1 || got[0].Name != "garbled" || got[0].Err == nil {
		t.Fatalf("got %+v, want one entry named garbled with an error", got)
	}
	if !strings.Contains(got[0].Err.Error(), "invalid YAML") {
		t.Errorf("error %q does not say the YAML is invalid", got[0].Err)
	}
}

func TestResolve(t *testing.T) {
	dirs := []string{filepath.Join("testdata", "dir1"), filepath.Join("testdata", "dir2")}
	t.Chdir(t.TempDir()) // so that bare file names are not found in the package folder
	for i, d := range dirs {
		dirs[i] = filepath.Join(pkgDir, d)
	}
	writeFile(t, ".", "local.yaml", "base_url: https://api.example.com\n")
	tests := []struct {
		arg, want, err string
	}{
		{arg: "orders", want: filepath.Join(dirs[0], "orders.yaml")},
		{arg: "users", want: filepath.Join(dirs[1], "users.yaml")},
		{arg: "broken", want: filepath.Join(dirs[0], "broken.yaml")}, // loading it shows what is wrong
		{arg: "local.yaml", want: "local.yaml"},
		{arg: "./local.yaml", want: "./local.yaml"},
		{arg: "users.yaml", want: filepath.Join(dirs[1], "users.yaml")}, // not here: the saved file
		{arg: filepath.Join(dirs[1], "users.yaml"), want: filepath.Join(dirs[1], "users.yaml")},
		{arg: "ordrs", err: `no saved profile named "ordrs" (did you mean orders?); saved profiles in ` +
			dirs[0] + ", " + dirs[1] + ": broken, orders, users"},
		{arg: "missing/p.yaml", err: "profile file missing/p.yaml does not exist"},
		{arg: "", err: "no profile given: expected a saved profile's name or a path to a .yaml file"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.arg, dirs)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Resolve(%q) error = %v, want %s", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.arg, got, err, tt.want)
		}
	}
	_, err := Resolve("orders", []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "there are no profiles in") {
		t.Errorf("Resolve with no profiles: %v", err)
	}
}

// pkgDir is the package folder, for tests that change the working folder.
var pkgDir = func() string {
	d, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return d
}()

func TestDirs(t *testing.T) {
	cfg, err := os.UserConfigDir()
	tests := []struct {
		name, flag, list, xdg string
		want                  []string
	}{
		{"flag wins", "/flag", "/a" + string(os.PathListSeparator) + "/b", "/xdg", []string{"/flag"}},
		{"list", "", "/a" + string(os.PathListSeparator) + string(os.PathListSeparator) + "/b", "/xdg", []string{"/a", "/b"}},
		{"xdg", "", "", "/xdg", []string{filepath.Join("/xdg", "siphon", "profiles")}},
	}
	if err == nil {
		tests = append(tests, struct {
			name, flag, list, xdg string
			want                  []string
		}{"user config dir", "", "", "", []string{filepath.Join(cfg, "siphon", "profiles")}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SIPHON_PROFILES", tt.list)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			if got := Dirs(tt.flag); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Dirs(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}

// TestLoadFoundIsLoadFile: a profile found by name and loaded from what
// finding it parsed is the profile LoadFile gives, problems and all, for
// a good file, a broken one and one that does not parse; the first listed
// with the name is the one, as Resolve says.
func TestLoadFoundIsLoadFile(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	writeFile(t, dir1, "a-first.yaml", "name: shop\nbase_url: https://api.example.com\npath: /orders/${partition.value}\nrecords: .data\npartitions:\n  values: [a, b, \"c d\"]\n")
	writeFile(t, dir2, "shop.yaml", "name: shop\nbase_url: https://other.example.com\n")
	writeFile(t, dir1, "broken.yaml", "base_url: https://api.example.com\nrecrods: .data\n")
	writeFile(t, dir1, "garbled.yaml", "name: [unclosed\n")
	writeFile(t, dir2, "plain.yml", "description: named after its file\nbase_url: https://api.example.com\n")
	dirs := []string{dir1, dir2}
	l := Loader{CheckExpr: page.Check, SkipSecrets: true}
	for _, name := range []string{"shop", "broken", "garbled", "plain"} {
		t.Run(name, func(t *testing.T) {
			path, err := Resolve(name, dirs)
			if err != nil {
				t.Fatal(err)
			}
			found, err := ResolveFile(name, dirs)
			if err != nil || found.Path != path {
				t.Fatalf("ResolveFile: %+v, %v; Resolve says %s", found, err, path)
			}
			want, wantErr := l.LoadFile(path)
			got, gotErr := l.LoadFound(found)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("LoadFound error %v, LoadFile's %v", gotErr, wantErr)
			}
			if (got == nil) != (want == nil) || got != nil && (!reflect.DeepEqual(got.Config, want.Config) || got.Hash != want.Hash || got.Path != want.Path) {
				t.Errorf("LoadFound %+v\nLoadFile  %+v", got, want)
			}
		})
	}
	if found, _ := ResolveFile("shop", dirs); found.Path != filepath.Join(dir1, "a-first.yaml") {
		t.Errorf("shop is %s, want the first folder's", found.Path)
	}
	_, err := ResolveFile("shp", dirs)
	_, want := Resolve("shp", dirs)
	if err == nil || err.Error() != want.Error() || !strings.Contains(err.Error(), "broken, garbled, plain, shop") {
		t.Errorf("unknown name: %v", err)
	}
}

// TestLoadFoundParsesOnce: finding a profile of 50,000 values by name and
// loading it costs one parse, not two.
func TestLoadFoundParsesOnce(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("name: fan\nbase_url: https://api.example.com\npath: /items/${partition.value}\npartitions:\n  values:\n")
	for i := range 50_000 {
		fmt.Fprintf(&b, "    - \"%d\"\n", i)
	}
	writeFile(t, dir, "fan.yaml", b.String())
	alloc := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	l := Loader{SkipSecrets: true}
	once := alloc(func() {
		if _, err := l.LoadFile(filepath.Join(dir, "fan.yaml")); err != nil {
			t.Fatal(err)
		}
	})
	byName := alloc(func() {
		found, err := ResolveFile("fan", []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := l.LoadFound(found); err != nil || len(p.Config.Partitions.Values) != 50_000 {
			t.Fatalf("%v", err)
		}
	})
	if byName > once*5/4 {
		t.Errorf("found by name and loaded: %d KiB allocated, loading the file alone %d KiB", byName>>10, once>>10)
	}
}
