package openapi

import (
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"siphon/ingest/spec"
	"siphon/profiles"
	"siphon/profiles/specimport"
)

// auth sets the proposal's auth: the flags' when given, else the first
// security scheme of the operation's (or the description's) requirements
// that a profile can express. Secrets are ${VAR} references named after
// the API's title.
func (b *builder) auth() {
	if b.opts.Auth.Type != "" {
		b.p.Config.Auth = b.opts.Auth
		b.p.Vars = append(b.p.Vars, b.opts.AuthVars...)
		return
	}
	reqs := b.spec.Doc.Security
	if b.op.Security != nil {
		reqs = *b.op.Security
	}
	if len(reqs) == 0 || b.spec.Doc.Components == nil {
		return
	}
	var unsupported []string
	for _, req := range reqs {
		names := make([]string, 0, len(req))
		for n := range req {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) != 1 {
			continue // several schemes at once: a profile has one auth
		}
		ref := b.spec.Doc.Components.SecuritySchemes[names[0]]
		if ref == nil || ref.Value == nil {
			continue
		}
		if b.scheme(ref.Value, req[names[0]]) {
			return
		}
		unsupported = append(unsupported, names[0]+" ("+ref.Value.Type+")")
	}
	if len(unsupported) > 0 {
		b.p.Notes = append(b.p.Notes, "auth: no security scheme a profile can use ("+strings.Join(unsupported, ", ")+"); give --bearer-env, --api-key-env or --basic-user")
	}
}

// scheme sets auth from one security scheme; false when a profile cannot
// express it.
func (b *builder) scheme(s *openapi3.SecurityScheme, scopes []string) bool {
	prefix := profiles.EnvName(b.title)
	if b.title == "" {
		prefix = "API"
	}
	ref := func(suffix, why string) spec.Secret {
		name := prefix + "_" + suffix
		for _, v := range b.p.Vars {
			if v.Name == name {
				return spec.NewSecret("${"+name+"}", "")
			}
		}
		b.p.Vars = append(b.p.Vars, specimport.Var{Name: name, Why: why})
		return spec.NewSecret("${"+name+"}", "")
	}
	a := &b.p.Config.Auth
	switch {
	case s.Type == "apiKey" && (s.In == "header" || s.In == "query") && s.Name != "":
		*a = spec.AuthConfig{Type: spec.AuthAPIKey, Name: s.Name, In: s.In, Value: ref("API_KEY", "the API key ("+s.In+" "+s.Name+")")}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		*a = spec.AuthConfig{Type: spec.AuthBearer, Token: ref("TOKEN", "the bearer token")}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		*a = spec.AuthConfig{Type: spec.AuthBasic, Username: "USER", Password: ref("PASSWORD", "the password for HTTP Basic auth")}
		b.p.Notes = append(b.p.Notes, "auth: set auth.username to your user name (or give --basic-user)")
	case s.Type == "oauth2" && s.Flows != nil && s.Flows.ClientCredentials != nil && s.Flows.ClientCredentials.TokenURL != "":
		tokenURL := s.Flows.ClientCredentials.TokenURL
		if u, err := url.Parse(tokenURL); err == nil && !u.IsAbs() && b.spec.URL != nil {
			tokenURL = b.spec.URL.ResolveReference(u).String()
		}
		*a = spec.AuthConfig{Type: spec.AuthOAuth2, Grant: "client_credentials", TokenURL: tokenURL, ClientID: "CLIENT_ID",
			ClientSecret: ref("CLIENT_SECRET", "the OAuth2 client secret"), Scopes: scopes}
		b.p.Notes = append(b.p.Notes, "auth: set auth.client_id to your OAuth2 client's id")
	default:
		return false
	}
	return true
}
