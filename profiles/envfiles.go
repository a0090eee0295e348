package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
)

// Values for ${VAR} references may come from files beside the profile as
// well as from the environment:
//
//   - PROFILE_DIR/.env: KEY=VALUE lines, used for a variable the
//     environment does not set (the environment wins);
//   - PROFILE_DIR/env/NAME.env, chosen with --env NAME: a named
//     environment (dev, prod) whose values override the environment's.
//
// Both are read like a file: secret, so one reached through a symbolic
// link outside the profile's folder needs the profile approved first. Their
// values are never shown: a profile shows its references.

// DotEnvFile is the file of default values beside a profile.
const DotEnvFile = ".env"

// EnvDir is the folder beside a profile that holds its named environments.
const EnvDir = "env"

// validEnvName is what --env accepts: a file name, not a path.
var validEnvName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// EnvFilePath is the file of the named environment env for a profile in
// folder dir.
func EnvFilePath(dir, env string) string { return filepath.Join(dir, EnvDir, env+".env") }

// maxEnvLines bounds a .env file (it is also bounded in bytes by
// readSecretFile): a page of settings, not a database.
const maxEnvLines = 10000

// parseEnvFile reads KEY=VALUE lines: blank lines and # comments skipped,
// an "export " in front allowed, a value in single quotes taken as it is,
// one in double quotes with \n, \" and \\ escapes, an unquoted one trimmed
// (a " #" starts a comment). Problems name the line.
func parseEnvFile(path string, data []byte) (map[string]string, *Error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) > maxEnvLines {
		return nil, &Error{File: path, Msg: fmt.Sprintf("more than %d lines", maxEnvLines)}
	}
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !isEnvName(key) {
			// never the line itself: it may hold a secret
			return nil, &Error{File: path, Line: i + 1, Msg: "expected KEY=VALUE, KEY of letters, digits and _"}
		}
		v, err := envValue(strings.TrimSpace(val))
		if err != nil {
			return nil, &Error{File: path, Line: i + 1, Msg: key + ": " + err.Error()}
		}
		out[key] = v
	}
	return out, nil
}

func envValue(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "'"):
		end := strings.Index(v[1:], "'")
		if end < 0 {
			return "", errors.New("unclosed single quote")
		}
		return v[1 : 1+end], nil
	case strings.HasPrefix(v, `"`):
		var b strings.Builder
		for i := 1; i < len(v); i++ {
			switch c := v[i]; {
			case c == '"':
				return b.String(), nil
			case c == '\\' && i+1 < len(v):
				i++
				switch v[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(v[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", errors.New("unclosed double quote")
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v, nil
}

// envLookup is how ${VAR}s are looked up for a profile in d.dir: the
// named environment's file first, then base (the environment), then the
// folder's .env. A file that is missing is no error, except the named
// environment's.
func (d *decoder) envLookup(base func(string) (string, bool), env string) func(string) (string, bool) {
	read := func(path, field string, required bool) map[string]string {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil
		}
		if _, err := readSecretFile(abs); errors.Is(err, fs.ErrNotExist) {
			if required {
				d.errs = append(d.errs, &Error{File: d.file, Msg: fmt.Sprintf("environment %s: %s does not exist (a named environment is a file of KEY=VALUE lines in the profile's folder, under %s/)", env, abs, EnvDir)})
			}
			return nil
		}
		if !d.mayTouch(Access{Kind: Reads, Field: field, What: abs, Contained: contained(abs, d.dir)}) {
			return nil
		}
		data, err := readSecretFile(abs)
		if err != nil {
			d.errs = append(d.errs, &Error{File: abs, Msg: unwrapPathErr(err).Error()})
			return nil
		}
		vals, perr := parseEnvFile(abs, data)
		if perr != nil {
			d.errs = append(d.errs, perr)
			return nil
		}
		return vals
	}
	var named map[string]string
	if env != "" {
		if !validEnvName.MatchString(env) {
			d.errs = append(d.errs, &Error{File: d.file, Msg: fmt.Sprintf("--env %q: an environment's name is letters, digits, '.', '_' and '-'", env)})
		} else {
			named = read(EnvFilePath(d.dir, env), "--env "+env, true)
		}
	}
	dot := read(filepath.Join(d.dir, DotEnvFile), DotEnvFile, false)
	if named == nil && dot == nil {
		return base
	}
	return func(name string) (string, bool) {
		if v, ok := named[name]; ok {
			return v, true
		}
		if v, ok := base(name); ok {
			return v, true
		}
		v, ok := dot[name]
		return v, ok
	}
}
