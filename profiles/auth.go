package profiles

import (
	"slices"

	"siphon/ingest"
)

// authTypes are the auth types, in the contract's order.
var authTypes = []string{ingest.AuthNone, ingest.AuthAPIKey, ingest.AuthBearer, ingest.AuthBasic, ingest.AuthOAuth2}

// authKeys are each auth type's own keys.
var authKeys = styleKeys{
	ingest.AuthAPIKey: {"name", "in", "value"},
	ingest.AuthBearer: {"token"},
	ingest.AuthBasic:  {"username", "password"},
	ingest.AuthOAuth2: {"grant", "token_url", "client_id", "client_secret", "scopes", "refresh_token", "authorize_url", "extra_params"},
}

// OAuth2 grants.
const (
	grantClientCredentials = "client_credentials"
	grantRefreshToken      = "refresh_token"
	grantAuthorizationCode = "authorization_code"
)

var grants = []string{grantClientCredentials, grantRefreshToken, grantAuthorizationCode}

// grantKeys are the oauth2 keys that only some grants have.
var grantKeys = styleKeys{
	grantRefreshToken:      {"refresh_token"},
	grantAuthorizationCode: {"refresh_token", "authorize_url"},
}

// authRequired are the keys each type (or oauth2 grant) cannot do without.
var authRequired = map[string][]string{
	ingest.AuthAPIKey:      {"name", "value"},
	ingest.AuthBearer:      {"token"},
	ingest.AuthBasic:       {"username"},
	grantClientCredentials: {"token_url", "client_id", "client_secret"},
	grantRefreshToken:      {"token_url", "client_id", "refresh_token"},
	grantAuthorizationCode: {"token_url", "client_id", "refresh_token", "authorize_url"},
}

// auth reads the auth section.
func (d *decoder) auth(sec entry, a *ingest.AuthConfig) {
	entries := d.mapping(sec.val, sec.field)
	a.Type = ingest.AuthNone
	typeKnown, typeGiven, grantKnown := true, false, true
	anchor := deref(sec.val)
	for _, e := range entries {
		if e.key == "type" && !isNull(e.val) {
			anchor, typeGiven = e.val, true
			a.Type, typeKnown = d.oneOf(e.val, e.field, authTypes...)
		}
	}
	if a.Type == ingest.AuthOAuth2 {
		a.Grant = grantClientCredentials
		for _, e := range entries {
			if e.key == "grant" && !isNull(e.val) {
				a.Grant, grantKnown = d.oneOf(e.val, e.field, grants...)
			}
		}
	}
	given := map[string]bool{}
	for _, e := range entries {
		given[e.key] = !isNull(e.val)
		owners := authKeys.owners(e.key, authTypes)
		switch {
		case e.key == "type" || e.key == "grant" && a.Type == ingest.AuthOAuth2:
		case slices.Contains(authKeys[a.Type], e.key):
			if grantOwners := grantKeys.owners(e.key, grants); len(grantOwners) > 0 && !slices.Contains(grantOwners, a.Grant) {
				if grantKnown {
					d.at(e.keyNode, e.field, "%s applies to oauth2 %s %s, not %s", e.key, plural("grant", len(grantOwners)), andList(grantOwners), a.Grant)
				}
				continue
			}
			d.authField(e, a)
		case len(owners) > 0:
			if typeKnown {
				d.at(e.keyNode, e.field, "%s", misplaced(e.key, "auth", owners, a.Type, typeGiven))
			}
		default:
			d.unknown(e, authKeys.all([]string{"type"}))
		}
	}
	need := authRequired[a.Type]
	if a.Type == ingest.AuthOAuth2 && grantKnown {
		need = authRequired[a.Grant]
	}
	if !typeKnown || (a.Type == ingest.AuthOAuth2 && !grantKnown) {
		need = nil
	}
	for _, key := range need {
		if !given[key] {
			what := "auth type " + a.Type
			if a.Type == ingest.AuthOAuth2 {
				what = "oauth2 grant " + a.Grant
			}
			d.at(anchor, joinField(sec.field, key), "required for %s", what)
		}
	}
}

// authField reads one key that applies to the auth type.
func (d *decoder) authField(e entry, a *ingest.AuthConfig) {
	switch e.key {
	case "name":
		if s, ok := d.nonEmptyText(e.val, e.field); ok {
			a.Name = s
			if !validHeaderName(s) {
				d.at(e.val, e.field, "expected a header or parameter name, without spaces or separators, got %q", s)
			}
		}
	case "in":
		a.In, _ = d.oneOf(e.val, e.field, "header", "query")
	case "value":
		a.Value, _ = d.secret(e.val, e.field, e.key, secretOptions{})
	case "token":
		a.Token, _ = d.secret(e.val, e.field, e.key, secretOptions{})
	case "username":
		a.Username, _ = d.nonEmptyText(e.val, e.field)
	case "password":
		a.Password, _ = d.secret(e.val, e.field, e.key, secretOptions{})
	case "token_url":
		a.TokenURL, _ = d.httpURL(e.val, e.field)
	case "authorize_url":
		a.AuthorizeURL, _ = d.httpURL(e.val, e.field)
	case "client_id":
		a.ClientID, _ = d.nonEmptyText(e.val, e.field)
	case "client_secret":
		a.ClientSecret, _ = d.secret(e.val, e.field, e.key, secretOptions{})
	case "refresh_token":
		// authorization_code: siphon auth login writes the token to the file.
		code := a.Grant == grantAuthorizationCode
		a.RefreshToken, _ = d.secret(e.val, e.field, e.key, secretOptions{fileOnly: code, allowMissingFile: code})
	case "scopes":
		a.Scopes, _ = d.textList(e.val, e.field)
	case "extra_params":
		a.Extra = d.stringMap(e)
	}
}

// stringMap reads a mapping of string to string.
func (d *decoder) stringMap(e entry) map[string]string {
	out := map[string]string{}
	for _, kv := range d.mapping(e.val, e.field) {
		if isNull(kv.val) {
			d.at(deref(kv.val), kv.field, "expected a string, got null")
			continue
		}
		if v, ok := d.text(kv.val, kv.field); ok {
			out[kv.key] = v
		}
	}
	return nilIfEmpty(out)
}
