package redact

import "testing"

func TestIsCredentialNameKeepsDataKeys(t *testing.T) {
	for name, want := range map[string]bool{
		"max-keys": false, "MaxKeys": false, "key-marker": false, "startkey": false, "sort_key": false, "primaryKey": false, "keywords": false,
		"key": true, "api_key": true, "X-API-Key": true, "access-key": true, "keys": true, "max-key-secret": true, "sessionKey": true,
	} {
		if got := IsCredentialName(name); got != want {
			t.Errorf("IsCredentialName(%q) = %v, want %v", name, got, want)
		}
	}
}
