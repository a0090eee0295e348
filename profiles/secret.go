package profiles

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// suggestedVar is the variable name a literal-secret error proposes: the
// profile's name and the key's suffix in the table ("auth.token" in profile
// orders gives ORDERS_TOKEN), else the key itself (a header's name).
func (d *decoder) suggestedVar(field, key string) string {
	suffix := key
	if f := lookupField(field); f != nil && f.envSuffix != "" {
		suffix = f.envSuffix
	}
	return envify(d.profileName + "_" + suffix)
}

// EnvName turns text into an UPPER_SNAKE environment variable name:
// "x-api-key" gives X_API_KEY.
func EnvName(s string) string { return envify(s) }

func envify(s string) string {
	var b strings.Builder
	under := true // drop leading and doubled underscores
	for _, c := range strings.ToUpper(s) {
		if (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if out == "" || (out[0] >= '0' && out[0] <= '9') {
		out = "SIPHON_" + out
	}
	return out
}

// literalSecret reports a secret written as plain text, with the fix, and
// without repeating the value.
func (d *decoder) literalSecret(n *yaml.Node, field, key string) {
	v := d.suggestedVar(field, key)
	d.at(n, field, "a secret must not be written in the profile; write %s: ${%s} and export %s, or %s: file:PATH, or %s: cmd:COMMAND", key, v, v, key, key)
}

// kindOf says what a node is without showing its value.
func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a scalar"
}

// secretOptions tune secret for the refresh token of authorization_code.
type secretOptions struct {
	fileOnly         bool // only file:PATH (siphon auth login writes there)
	allowMissingFile bool // the file need not exist yet
}

// secret reads an auth secret: exactly ${VAR} or file:PATH.
func (d *decoder) secret(n *yaml.Node, field, key string, opt secretOptions) (spec.Secret, bool) {
	n = deref(n)
	if isNull(n) {
		return spec.Secret{}, false
	}
	if n.Kind != yaml.ScalarNode {
		d.at(n, field, "expected a ${VAR}, file:PATH or cmd:COMMAND reference, got %s", kindOf(n))
		return spec.Secret{}, false
	}
	if !isText(n) {
		d.literalSecret(n, field, key)
		return spec.Secret{}, false
	}
	if path, isFile := strings.CutPrefix(n.Value, "file:"); isFile {
		return d.fileSecret(n, field, path, opt.allowMissingFile)
	}
	if command, isCmd := strings.CutPrefix(n.Value, "cmd:"); isCmd && !opt.fileOnly {
		return d.cmdSecret(n, field, command)
	}
	if opt.fileOnly {
		d.at(n, field, "expected a file:PATH reference (siphon auth login stores the token there), e.g. %s: file:~/.config/siphon/%s.token", key, d.profileName)
		return spec.Secret{}, false
	}
	segs, err := parseTemplate(n.Value)
	switch {
	case err != nil:
		d.at(n, field, "%v", err)
	case len(segs) == 1 && segs[0].name != "" && !segs[0].hasDef:
		return d.envSecret(n, field, segs[0].text, segs[0].name)
	case strings.Contains(n.Value, "${"):
		d.at(n, field, "expected exactly one ${VAR} reference (no default, nothing around it), file:PATH or cmd:COMMAND")
	default:
		d.literalSecret(n, field, key)
	}
	return spec.Secret{}, false
}

// envSecret resolves a ${VAR} secret.
func (d *decoder) envSecret(n *yaml.Node, field, ref, name string) (spec.Secret, bool) {
	d.sends(field, ref)
	if d.skipSecrets {
		return spec.NewSecret(ref, ""), true
	}
	v, ok := d.lookupEnv(name)
	if !ok {
		d.at(n, field, "environment variable %s is not set", name)
		return spec.Secret{}, false
	}
	if v == "" {
		d.at(n, field, "environment variable %s is empty", name)
		return spec.Secret{}, false
	}
	return spec.NewSecret(ref, v), true
}

// fileSecret resolves a file:PATH secret. The reference keeps the absolute
// path, so whoever writes the file (siphon auth login) finds it.
func (d *decoder) fileSecret(n *yaml.Node, field, path string, allowMissing bool) (spec.Secret, bool) {
	if path == "" {
		d.at(n, field, "file: needs a path, e.g. file:~/.config/siphon/%s.secret", d.profileName)
		return spec.Secret{}, false
	}
	abs, err := d.absPath(path)
	if err != nil {
		d.at(n, field, "cannot resolve %s: %v", path, err)
		return spec.Secret{}, false
	}
	ref := "file:" + abs
	d.sends(field, ref)
	if !d.mayTouch(Access{Kind: Reads, Field: field, What: abs, Contained: contained(abs, d.dir)}) {
		return spec.NewSecret(ref, ""), true
	}
	if allowMissing { // siphon writes this file (sign-in, rotated tokens)
		if !d.mayTouch(Access{Kind: Writes, Field: field, What: abs, Contained: contained(abs, d.dir)}) {
			return spec.NewSecret(ref, ""), true
		}
	}
	if d.skipSecrets {
		return spec.NewSecret(ref, ""), true
	}
	data, err := readSecretFile(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) && allowMissing:
		return spec.NewSecret(ref, ""), true
	case errors.Is(err, fs.ErrNotExist):
		d.at(n, field, "secret file %s does not exist", abs)
		return spec.Secret{}, false
	case err != nil:
		d.at(n, field, "cannot read secret file %s: %v", abs, unwrapPathErr(err))
		return spec.Secret{}, false
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" && !allowMissing {
		d.at(n, field, "secret file %s is empty", abs)
		return spec.Secret{}, false
	}
	return spec.NewSecret(ref, v), true
}

// SensitiveName reports whether a header or query parameter of this name
// holds a credential, so that a profile must give its value as a ${VAR} or
// file: reference. Tools that write profiles use it to stay loadable. It is
// redact.IsCredentialName, siphon's one rule for credential names.
func SensitiveName(name string) bool { return isSensitiveName(name) }

func isSensitiveName(name string) bool { return redact.IsCredentialName(name) }

// sensitiveValue reads the value of a sensitive header or parameter: text
// with at least one ${VAR}, or a file:PATH reference. It returns the value
// (the references when skipping secrets), a Secret per reference, and the
// references as Format shows them (file paths made absolute).
func (d *decoder) sensitiveValue(n *yaml.Node, field, key string) (value string, secrets []spec.Secret, written string, ok bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.at(n, field, "expected a ${VAR} or file:PATH reference, got %s", kindOf(n))
		return "", nil, "", false
	}
	if !isText(n) {
		d.literalSecret(n, field, key)
		return "", nil, "", false
	}
	if path, isFile := strings.CutPrefix(n.Value, "file:"); isFile {
		s, ok := d.fileSecret(n, field, path, false)
		if !ok {
			return "", nil, "", false
		}
		if d.skipSecrets {
			return s.Ref(), []spec.Secret{s}, s.Ref(), true
		}
		return s.Reveal(), []spec.Secret{s}, s.Ref(), true
	}
	if command, isCmd := strings.CutPrefix(n.Value, "cmd:"); isCmd {
		s, ok := d.cmdSecret(n, field, command)
		if !ok {
			return "", nil, "", false
		}
		if d.skipSecrets {
			return s.Ref(), []spec.Secret{s}, s.Ref(), true
		}
		return s.Reveal(), []spec.Secret{s}, s.Ref(), true
	}
	segs, err := parseTemplate(n.Value)
	if err != nil {
		d.at(n, field, "%v", err)
		return "", nil, "", false
	}
	var out strings.Builder
	for _, sg := range segs {
		if sg.name == "" {
			out.WriteString(sg.text)
			continue
		}
		d.sends(field, sg.text)
		if d.skipSecrets {
			secrets = append(secrets, spec.NewSecret(sg.text, ""))
			continue
		}
		v, ok := d.lookupEnv(sg.name)
		if !ok && sg.hasDef {
			v, ok = sg.def, true
		}
		if !ok {
			d.at(n, field, "environment variable %s is not set", sg.name)
			return "", nil, "", false
		}
		if v == "" {
			d.at(n, field, "environment variable %s is empty", sg.name)
			return "", nil, "", false
		}
		out.WriteString(v)
		secrets = append(secrets, spec.NewSecret(sg.text, v))
	}
	if len(secrets) == 0 {
		d.literalSecret(n, field, key)
		return "", nil, "", false
	}
	if d.skipSecrets {
		return n.Value, secrets, n.Value, true
	}
	return out.String(), secrets, n.Value, true
}

// cmdSecret resolves a cmd:COMMAND secret: the command's standard output. A
// command runs only for an approved profile.
func (d *decoder) cmdSecret(n *yaml.Node, field, command string) (spec.Secret, bool) {
	command = strings.TrimSpace(command)
	if command == "" {
		d.at(n, field, "cmd: needs a command, e.g. cmd:op read op://vault/item/field")
		return spec.Secret{}, false
	}
	ref := "cmd:" + command
	d.sends(field, ref)
	if !d.mayTouch(Access{Kind: Runs, Field: field, What: command}) || d.skipSecrets {
		return spec.NewSecret(ref, ""), true
	}
	v, err := runSecretCommand(command, d.dir)
	if err != nil {
		d.at(n, field, "%v", err)
		return spec.Secret{}, false
	}
	return spec.NewSecret(ref, v), true
}

// mayTouch records an access and reports whether it may happen now: inside
// the profile's folder or siphon's, or for an approved profile. What may not
// is recorded as blocked, and the loader then refuses the profile.
func (d *decoder) mayTouch(a Access) bool {
	d.accesses = append(d.accesses, a)
	if !a.NeedsApproval() || d.approved {
		return true
	}
	d.blocked = append(d.blocked, a)
	return false
}

// sends records that the value of a reference goes out with requests.
func (d *decoder) sends(field, ref string) {
	to := ToBaseURL
	switch field {
	case "auth.client_id", "auth.client_secret", "auth.refresh_token":
		to = ToTokenURL
	}
	d.accesses = append(d.accesses, Access{Kind: Sends, Field: field, What: ref, To: to, Contained: true})
}

// maxSecretFile bounds a secret file: a token, not a disk image.
const maxSecretFile = 1 << 20

// readSecretFile reads a secret file that must be a regular file of a sane
// size (not a FIFO that blocks, not /dev/zero).
func readSecretFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() { // a FIFO would block, a device never end
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d KiB; a secret file holds one secret", path, maxSecretFile>>10)
	}
	return data, nil
}
