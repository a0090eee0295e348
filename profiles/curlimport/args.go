package curlimport

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// request is what the curl command asks for, before it becomes a profile.
type request struct {
	method     string     // -X, upper case; "" when not given
	urls       []word     // positional URLs and --url, in order
	urlQueries []dataPart // --url-query
	headers    []header   // -H, -A, -e, -b, in order
	data       []dataPart // -d and friends, in order
	form       bool       // -F: multipart, which profiles cannot send
	get, head  bool       // -G, -I
	insecure   bool       // -k
	user       *value     // -u
	bearer     *value     // --oauth2-bearer
	sigv4      *value     // --aws-sigv4 provider1[:provider2[:region[:service]]]
	maxTime    *value     // -m
	quiet      []string   // options that only change what curl prints
	notes      []string
}

// value is an option's value and the index of its word, which orders the
// variables by appearance.
type value struct {
	text string
	pos  int
	opt  string // as written: -u or --user
}

// header is one request header from the command.
type header struct {
	name, value string
	pos         int
}

// dataKind says how curl reads a data option's value.
type dataKind int

const (
	dataASCII     dataKind = iota // -d, --data, --data-ascii: @file reads a file; line breaks are dropped
	dataBinary                    // --data-binary: @file reads a file
	dataRaw                       // --data-raw: taken as written
	dataURLEncode                 // --data-urlencode: [name]=content, [name]@file
	dataJSON                      // --json: @file reads a file; sets JSON headers
)

// dataPart is one data option.
type dataPart struct {
	kind dataKind
	text string
	pos  int
	opt  string
}

func (r *request) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// parseArgs reads curl's options from the words of the command.
func parseArgs(words []word) *request {
	r := &request{}
	words = dropCommandName(words)
	for i := range words {
		words[i].pos = i
	}
	endOfOptions := false
	for i := 0; i < len(words); i++ {
		a := words[i].text
		var stop bool
		switch {
		case endOfOptions || !isOptionLike(a):
			r.positional(words[i])
		case a == "--":
			endOfOptions = true
		case strings.HasPrefix(a, "--"):
			i, stop = r.longOption(words, i)
		default:
			i, stop = r.shortOptions(words, i)
		}
		if stop {
			break
		}
	}
	return r
}

// dropCommandName skips a pasted prompt ($ or >) and the curl command
// itself, which may be missing.
func dropCommandName(words []word) []word {
	if len(words) > 0 && (words[0].text == "$" || words[0].text == "%") {
		words = words[1:]
	}
	if len(words) > 0 {
		name := strings.ToLower(path.Base(strings.ReplaceAll(words[0].text, `\`, "/")))
		if name == "curl" || name == "curl.exe" {
			words = words[1:]
		}
	}
	return words
}

// longOption reads --name [value] at words[i]; it returns the index of the
// last word used, and stop after --next.
func (r *request) longOption(words []word, i int) (int, bool) {
	name := words[i].text[2:]
	val, inline := "", false
	if !takesValue[name] && !flags[name] {
		// curl has no --name=value, but people write it; take the meaning.
		if k, v, ok := strings.Cut(name, "="); ok && takesValue[k] {
			name, val, inline = k, v, true
		}
	}
	switch {
	case takesValue[name]:
		if !inline {
			if i+1 >= len(words) {
				r.note("ignored --%s at the end: it needs a value", name)
				return i, false
			}
			i++
			val = words[i].text
		}
		r.apply(name, "--"+name, value{text: val, pos: i, opt: "--" + name}, words[i])
	case flags[name]:
		return i, r.flag(name, "--"+name, true)
	case strings.HasPrefix(name, "no-") && flags[name[3:]]:
		return i, r.flag(name[3:], "--"+name, false)
	default:
		r.note("dropped unknown option --%s (at %s)", excerpt(name), words[i].where())
	}
	return i, false
}

// shortOptions reads a cluster of one-letter options such as -sSL or
// -XPOST at words[i]; a letter that takes a value takes the rest of the
// word, or the next word.
func (r *request) shortOptions(words []word, i int) (int, bool) {
	a := words[i].text
	for j := 1; j < len(a); j++ {
		c := a[j]
		long, ok := shortOptions[c]
		if !ok {
			r.note("dropped unknown option -%s (at %s)", excerpt(string(c)), words[i].where())
			continue
		}
		opt := optionName(long, c)
		if !takesValue[long] {
			if r.flag(long, opt, true) {
				return i, true
			}
			continue
		}
		val, w := a[j+1:], words[i]
		if val != "" {
			w.col += j + 1 // the value is inside this word, after the letters
		} else {
			if i+1 >= len(words) {
				r.note("ignored %s at the end: it needs a value", opt)
				return i, false
			}
			i++
			val, w = words[i].text, words[i]
		}
		r.apply(long, opt, value{text: val, pos: i, opt: opt}, w)
		return i, false
	}
	return i, false
}

// hostLike matches a URL written without a scheme, as curl accepts it:
// example.com/path, localhost:8080.
var hostLike = regexp.MustCompile(`^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:.]+\])(:[0-9]+)?([/?#].*)?$`)

// positional takes an argument that is not an option: a URL, or noise.
func (r *request) positional(w word) {
	s := strings.TrimSpace(w.text)
	if strings.Contains(s, "://") || hostLike.MatchString(s) || strings.HasPrefix(s, string(markOpen)) {
		w.text = s
		r.urls = append(r.urls, w)
		return
	}
	r.note("ignored an argument that is neither an option nor a URL (at %s)", w.where())
}

// apply uses the value of an option.
func (r *request) apply(long, opt string, v value, at word) {
	switch long {
	case "request":
		r.method = strings.ToUpper(strings.TrimSpace(v.text))
	case "url":
		at.text = strings.TrimSpace(v.text)
		r.urls = append(r.urls, at)
	case "header":
		r.headerLine(v)
	case "user-agent":
		r.headers = append(r.headers, header{name: "User-Agent", value: v.text, pos: v.pos})
	case "referer":
		if ref := strings.TrimSuffix(v.text, ";auto"); ref != "" && ref != "auto" {
			r.headers = append(r.headers, header{name: "Referer", value: ref, pos: v.pos})
		}
	case "cookie":
		if strings.Contains(v.text, "=") {
			r.headers = append(r.headers, header{name: "Cookie", value: v.text, pos: v.pos})
		} else {
			r.note("dropped %s: it names a cookie file, which cannot be imported", opt)
		}
	case "data", "data-ascii":
		r.data = append(r.data, dataPart{kind: dataASCII, text: v.text, pos: v.pos, opt: opt})
	case "data-binary":
		r.data = append(r.data, dataPart{kind: dataBinary, text: v.text, pos: v.pos, opt: opt})
	case "data-raw":
		r.data = append(r.data, dataPart{kind: dataRaw, text: v.text, pos: v.pos, opt: opt})
	case "data-urlencode":
		r.data = append(r.data, dataPart{kind: dataURLEncode, text: v.text, pos: v.pos, opt: opt})
	case "json":
		r.data = append(r.data, dataPart{kind: dataJSON, text: v.text, pos: v.pos, opt: opt})
	case "url-query":
		r.urlQueries = append(r.urlQueries, dataPart{kind: dataURLEncode, text: v.text, pos: v.pos, opt: opt})
	case "form", "form-string":
		r.form = true
		r.note("dropped %s: multipart form uploads cannot be sent by a profile (profiles send JSON bodies)", opt)
	case "user":
		r.user = &v
	case "oauth2-bearer":
		r.bearer = &v
	case "aws-sigv4":
		r.sigv4 = &v
	case "max-time":
		r.maxTime = &v
	case "output", "output-dir", "write-out", "dump-header", "stderr", "trace", "trace-ascii",
		"trace-config", "libcurl", "etag-save", "cookie-jar":
		r.quiet = append(r.quiet, opt)
	default:
		r.note("dropped %s%s", opt, droppedWhy[long])
	}
}

// droppedWhy explains some dropped options.
var droppedWhy = map[string]string{
	"connect-timeout": ": a profile's timeout covers the whole request",
	"cacert":          ": set tls.ca_file to the CA certificate's absolute path",
	"capath":          ": set tls.ca_file to the CA certificate's absolute path",
	"cert":            ": set tls.cert_file (and tls.key_file) to absolute paths",
	"key":             ": set tls.key_file to its absolute path",
	"proxy":           ": siphon takes a proxy from HTTPS_PROXY / HTTP_PROXY",
	"retry":           ": set retry.max_attempts in the profile",
	"retry-delay":     ": set retry.initial_backoff in the profile",
	"retry-max-time":  ": set retry.max_backoff in the profile",
	"limit-rate":      ": set rate_limit in the profile",
	"rate":            ": set rate_limit.requests_per_second in the profile",
	"config":          ": options in a curl config file are not imported",
	"upload-file":     ": profiles do not upload files",
	"proxy-user":      ": siphon takes a proxy from HTTPS_PROXY / HTTP_PROXY",
	"resolve":         ": siphon resolves hosts through the system",
	"connect-to":      ": siphon connects to base_url's host",
}

// headerLine reads -H "Name: value". curl also knows "Name;" (send it
// empty), "Name:" (remove a header curl would add) and @file.
func (r *request) headerLine(v value) {
	line := v.text
	if strings.HasPrefix(line, "@") {
		r.note("dropped %s @file: headers from a file cannot be imported", v.opt)
		return
	}
	name, val, found := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	switch {
	case !found && strings.HasSuffix(strings.TrimSpace(line), ";"):
		name, val = strings.TrimSuffix(strings.TrimSpace(line), ";"), ""
	case !found:
		r.note("dropped %s %q: a header needs a colon (Name: value)", v.opt, excerpt(line))
		return
	case strings.TrimSpace(val) == "":
		r.note("dropped %s %q: in curl it only removes a header curl would add", v.opt, name+":")
		return
	}
	r.headers = append(r.headers, header{name: name, value: strings.TrimSpace(val), pos: v.pos})
}

// flag uses an option without a value (on is false for --no-name); it
// returns true at --next, after which the command is another request.
func (r *request) flag(long, opt string, on bool) bool {
	switch long {
	case "get":
		r.get = on
	case "head":
		r.head = on
	case "insecure":
		r.insecure = on
	case "compressed":
		r.note("dropped %s: siphon asks for compressed responses and decodes them itself", opt)
	case "location", "location-trusted":
		r.note("dropped %s: siphon follows redirects itself, sending credentials to base_url's host only", opt)
	case "digest", "ntlm", "ntlm-wb", "negotiate", "anyauth":
		r.note("dropped %s: profiles support basic, bearer, api_key and oauth2 auth; check that basic works", opt)
	case "next":
		r.note("only the first request is imported: ignored everything after %s", opt)
		return true
	default:
		if quietFlags[long] {
			r.quiet = append(r.quiet, opt)
		} else {
			r.note("dropped %s", opt)
		}
	}
	return false
}
