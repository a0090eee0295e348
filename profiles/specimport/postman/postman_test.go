package postman

import (
	"strings"
	"testing"
)

func TestVariables(t *testing.T) {
	const coll = `{"info":{"name":"c","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
	"variable":[{"key":"base","value":"https://api.example.com/{{version}}"},{"key":"version","value":"v2"},{"key":"apiKey","value":"k-123"},{"key":"team","value":""}],
	"auth":{"type":"apikey","apikey":[{"key":"key","value":"X-Key"},{"key":"value","value":"{{apiKey}}"},{"key":"in","value":"header"}]},
	"item":[
	 {"name":"a","request":{"method":"get","url":"{{base}}/items?team={{team}}","header":[{"key":"X-Off","value":"1","disabled":true}]}},
	 {"name":"f","auth":{"type":"noauth"},"item":[{"name":"b","request":{"url":"{{base}}/open/{{$guid}}"}}]},
	 {"name":"c","request":"https://api.example.com/plain"}
	]}`
	reqs, err := Parse([]byte(coll), "c.json", Options{Set: map[string]string{"team": "core"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 3 {
		t.Fatalf("got %d requests", len(reqs))
	}
	a := reqs[0]
	if got := a.URL.String(); got != "https://api.example.com/v2/items?team=core" {
		t.Errorf("url %s", got)
	}
	if len(a.Headers) != 0 {
		t.Errorf("a disabled header was kept: %v", a.Headers)
	}
	if a.Auth.Type != "apikey" || a.Auth.Key != "X-Key" || a.Auth.Value.String() != "${API_KEY}" {
		t.Errorf("auth %+v: the key must be a reference, never its value", a.Auth)
	}
	if b := reqs[1]; b.Auth.Type != "" || len(b.Needs) != 1 || b.Needs[0] != "$guid" {
		t.Errorf("b: auth %+v needs %v", b.Auth, b.Needs)
	}
	if c := reqs[2]; c.URL.String() != "https://api.example.com/plain" || c.Method != "GET" {
		t.Errorf("c: %s %s", c.Method, c.URL.String())
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"apiKey": "API_KEY", "api-key": "API_KEY", "token": "TOKEN", "2fa": "V_2FA", "X.Y": "X_Y"} {
		if got := envName(in); got != want {
			t.Errorf("envName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNotACollection(t *testing.T) {
	for body, want := range map[string]string{
		`[1]`: "not a Postman collection",
		`{"info":{"schema":"https://schema.getpostman.com/json/collection/v1.0.0/collection.json"}}`: "v2.1",
	} {
		_, err := Parse([]byte(body), "x.json", Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
