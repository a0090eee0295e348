package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"siphon/ingest/spec"
)

// Dirs returns the folders that hold saved profiles, in discovery order:
// flagDir (--profiles) alone when given, else the $SIPHON_PROFILES list,
// else $XDG_CONFIG_HOME/siphon/profiles, else the OS user config folder's.
func Dirs(flagDir string) []string {
	if flagDir != "" {
		return []string{flagDir}
	}
	if list := os.Getenv("SIPHON_PROFILES"); list != "" {
		var dirs []string
		for _, dir := range filepath.SplitList(list) {
			if dir != "" {
				dirs = append(dirs, dir)
			}
		}
		if len(dirs) > 0 {
			return dirs
		}
	}
	if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
		return []string{filepath.Join(xdg, "siphon", "profiles")}
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return []string{filepath.Join(dir, "siphon", "profiles")}
	}
	return nil
}

// Entry is one saved profile as a listing shows it.
type Entry struct {
	Name        string
	Description string
	Path        string
	Pagination  string // pagination type
	Auth        string // auth type
	Err         error  // the profile is broken, or shadowed by an earlier one of the same name
}

// Discover lists the *.yaml and *.yml files in each folder (not below),
// sorted by name. A broken file is listed with its error; when two files
// share a name the one found first wins and the other is listed as
// shadowed. Secrets are not resolved, so no environment is needed; l
// checks the rest.
func (l Loader) Discover(dirs []string) []Entry {
	return discover(dirs, func(path string) (Entry, bool) { return l.describeFile(path), false })
}

// discover is Discover with each file's entry made by describe, which may
// end the listing early (true) with the entry it made.
func discover(dirs []string, describe func(path string) (Entry, bool)) []Entry {
	var entries []Entry
	winner := map[string]string{} // name → path of the profile that has it
	for _, dir := range dirs {
		files, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // no saved profiles there
		}
		if err != nil {
			entries = append(entries, Entry{Path: dir, Err: fmt.Errorf("cannot list profiles: %w", err)})
			continue
		}
		for _, f := range files {
			if f.IsDir() || !isProfileFile(f.Name()) {
				continue
			}
			e, stop := describe(filepath.Join(dir, f.Name()))
			if first, dup := winner[e.Name]; dup && e.Name != "" {
				e.Err = &ShadowedError{Name: e.Name, By: first}
			} else if e.Name != "" {
				winner[e.Name] = e.Path
			}
			entries = append(entries, e)
			if stop {
				return entries
			}
		}
	}
	// Stable: the winner of a name stays before what it shadows.
	slices.SortStableFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return entries
}

// isProfileFile reports whether a file name looks like a profile.
func isProfileFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// describeFile loads one profile for a listing. A broken one still gets a
// name: its own if that much was readable, else its file name.
func (l Loader) describeFile(path string) Entry {
	e := Entry{Path: path}
	data, err := readProfileFile(path)
	if err != nil {
		e.Name, e.Err = fileBaseName(path), err
		return e
	}
	l.SkipSecrets = true
	p, err := l.load(path, data)
	e.Err = err
	if p != nil {
		e.Name, e.Description = p.Config.Name, p.Config.Description
		e.Pagination, e.Auth = p.Config.Pagination.Type, p.Config.Auth.Type
	}
	if e.Name == "" {
		e.Name = fileBaseName(path)
	}
	return e
}

// nameFile is describeFile's entry with its name alone, which is what a
// load decodes first, and the file's content and tree as read to find it
// (no tree when the file could not be read or parsed).
func nameFile(path string) (Entry, []byte, *tree) {
	e := Entry{Path: path}
	data, err := readProfileFile(path)
	if err != nil {
		e.Name, e.Err = fileBaseName(path), err
		return e, nil, nil
	}
	e.Name = fileBaseName(path)
	if _, err := filepath.Abs(filepath.Dir(path)); err != nil || len(data) > MaxProfileSize {
		return e, data, nil // as describeFile: load gives no name
	}
	t := parseTree(path, data)
	if t.root != nil {
		var cfg spec.Config
		newDecoder(path, os.LookupEnv, true).topName(t.root, &cfg) // as describeFile's load decodes it
		if cfg.Name != "" {
			e.Name = cfg.Name
		}
	}
	return e, data, t
}

// fileBaseName is a file's name without its .yaml or .yml extension.
func fileBaseName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
}

// Resolve turns a PROFILE argument into a file path: an existing path (it
// has a separator or ends in .yaml or .yml), or the name of a saved profile
// in dirs. An unknown name's error lists the saved profiles.
func Resolve(nameOrPath string, dirs []string) (string, error) {
	f, err := ResolveFile(nameOrPath, dirs)
	if err != nil {
		return "", err
	}
	return f.Path, nil
}

// Found is the profile file ResolveFile found: its path and, when it was
// found by its name, its content as read and parsed to find it.
type Found struct {
	Path string
	data []byte
	tree *tree
}

// ResolveFile is Resolve keeping what finding the profile read: the files
// are parsed, in the order they are listed, until the first with the name,
// and LoadFound loads that one from its tree. A profile is parsed once, and
// files after it not at all.
func ResolveFile(nameOrPath string, dirs []string) (*Found, error) {
	if nameOrPath == "" {
		return nil, errors.New("no profile given: expected a saved profile's name or a path to a .yaml file")
	}
	looksLikePath := strings.ContainsRune(nameOrPath, filepath.Separator) || strings.ContainsRune(nameOrPath, '/') || isProfileFile(nameOrPath)
	if looksLikePath {
		info, err := os.Stat(nameOrPath)
		if err == nil && !info.IsDir() {
			return &Found{Path: nameOrPath}, nil
		}
		if err == nil {
			return nil, fmt.Errorf("profile %s is a folder, not a file", nameOrPath)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("profile %s: %w", nameOrPath, unwrapPathErr(err))
		}
		if strings.ContainsRune(nameOrPath, filepath.Separator) || strings.ContainsRune(nameOrPath, '/') {
			return nil, fmt.Errorf("profile file %s does not exist", nameOrPath)
		}
		// orders.yaml not here: perhaps the saved profile of that file name.
		for _, dir := range dirs {
			p := filepath.Join(dir, nameOrPath)
			if info, err := os.Stat(p); err == nil && !info.IsDir() {
				return &Found{Path: p}, nil
			}
		}
		return nil, fmt.Errorf("profile file %s does not exist here nor in %s", nameOrPath, strings.Join(dirs, ", "))
	}
	// The first file listed with the name is the one (later ones are
	// shadowed by it): a broken profile too, loading it shows why.
	var found *Found
	entries := discover(dirs, func(path string) (Entry, bool) {
		e, data, t := nameFile(path)
		if e.Name != nameOrPath {
			return e, false
		}
		found = &Found{Path: path, data: data, tree: t}
		return e, true
	})
	if found != nil {
		return found, nil
	}
	var names []string
	for _, e := range entries {
		if !isShadowed(e) && e.Name != "" {
			names = append(names, e.Name)
		}
	}
	where := "the profile folders"
	if len(dirs) > 0 {
		where = strings.Join(dirs, ", ")
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no saved profile named %q: there are no profiles in %s (give a path to a .yaml file, or use --profiles DIR)", nameOrPath, where)
	}
	hint := ""
	if s := nearest(nameOrPath, names); s != "" {
		hint = " (did you mean " + s + "?)"
	}
	return nil, fmt.Errorf("no saved profile named %q%s; saved profiles in %s: %s", nameOrPath, hint, where, strings.Join(names, ", "))
}

// LoadFound loads the profile ResolveFile found, as LoadFile would: from
// what finding it read and parsed, when it was found by its name.
func (l Loader) LoadFound(f *Found) (*Profile, error) {
	data, t := f.data, f.tree
	f.data, f.tree = nil, nil // loaded once: the tree goes with this load
	if data == nil {
		return l.LoadFile(f.Path)
	}
	p, err := l.loadTree(f.Path, data, t)
	if err != nil {
		return nil, err
	}
	p.Path = f.Path
	return p, nil
}

// ShadowedError is the Err of a listing entry whose name an earlier
// profile already has: that one is used, this one is not.
type ShadowedError struct {
	Name string
	By   string // path of the profile that wins
}

func (e *ShadowedError) Error() string {
	return fmt.Sprintf("shadowed by %s, which is also named %s", e.By, e.Name)
}

// isShadowed reports whether a listing entry lost its name to another.
func isShadowed(e Entry) bool {
	var s *ShadowedError
	return errors.As(e.Err, &s)
}
