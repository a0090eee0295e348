package curlimport

import (
	"strings"
	"time"
)

// profile is the profile being built, before it is written as YAML.
type profile struct {
	name     string
	baseURL  text
	path     text
	method   string
	params   []field
	headers  []field
	body     *jsonNode
	auth     authSpec
	insecure bool
	timeout  time.Duration
}

// field is one parameter or header, in the order of the command.
type field struct {
	key string
	val text
}

// authSpec is the profile's auth section.
type authSpec struct {
	typ      string // "" for none
	name, in string // api_key
	username text   // basic
	secret   *secretRef

	// aws_sigv4: secret is the secret access key; without keyID the
	// standard AWS chain gives the credentials.
	service, region     string
	keyID, sessionToken *secretRef
}

// secretKey is the auth key that holds the secret for the auth type.
func (a authSpec) secretKey() string {
	switch a.typ {
	case "bearer":
		return "token"
	case "basic":
		return "password"
	case "aws_sigv4":
		return "secret_access_key"
	}
	return "value"
}

// text is a value of the profile: literal text (which may hold shell
// markers) and references to variables.
type text []piece

type piece struct {
	lit string
	ref *secretRef
}

func literal(s string) text       { return text{{lit: s}} }
func reference(s *secretRef) text { return text{{ref: s}} }

// render writes t as a profile string: references as ${NAME}, literal
// text escaped so that it loads back as written.
func (t text) render() string {
	var b strings.Builder
	for i, p := range t {
		if p.ref != nil {
			b.WriteString(p.ref.reference())
			continue
		}
		beforeRef := i+1 < len(t) && t[i+1].ref != nil
		b.WriteString(profileTextBefore(p.lit, beforeRef))
	}
	return b.String()
}
