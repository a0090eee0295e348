package curlimport_test

import (
	"testing"

	"siphon/profiles/curlimport"
)

// TestAWSSigV4: --aws-sigv4 becomes auth aws_sigv4: region and service
// from the option or the host, the keys of -u and the session token header
// as references, the signer's own headers dropped.
func TestAWSSigV4(t *testing.T) {
	const id, secret, token = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEBYaDExampleSessionToken"
	for _, tc := range []struct {
		name, command                string
		service, region              string
		keys, session, chain, noteOn bool
	}{
		{"option names all", `curl --aws-sigv4 "aws:amz:eu-west-1:s3" -u "` + id + `:` + secret + `" -H "x-amz-security-token: ` + token + `" -H "x-amz-date: 20260101T000000Z" "https://b.s3.eu-west-1.amazonaws.com/?list-type=2"`,
			"s3", "eu-west-1", true, true, false, false},
		{"host names them", `curl --aws-sigv4 aws:amz -u ` + id + `:` + secret + ` https://abc123.execute-api.us-east-2.amazonaws.com/prod/items`,
			"execute-api", "us-east-2", true, false, false, false},
		{"legacy s3 host", `curl --aws-sigv4 aws:amz -u ` + id + `:` + secret + ` https://b.s3-ap-south-1.amazonaws.com/`,
			"s3", "ap-south-1", true, false, false, false},
		{"standard chain", `curl --aws-sigv4 aws:amz:us-east-1:es https://search.example.com/_search`,
			"es", "us-east-1", false, false, true, false},
		{"nothing known", `curl --aws-sigv4 aws:amz -u ` + id + `:` + secret + ` https://api.example.com/x`,
			"execute-api", "", true, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := curlimport.Parse(tc.command, "aws")
			if err != nil {
				t.Fatal(err)
			}
			cfg := load(t, res)
			a := cfg.Auth
			if a.Type != "aws_sigv4" || a.Service != tc.service || a.Region != tc.region {
				t.Fatalf("auth %s %s %s\n%s", a.Type, a.Service, a.Region, res.YAML)
			}
			if tc.keys && (a.AccessKeyID.Reveal() != id || a.SecretAccessKey.Reveal() != secret) {
				t.Errorf("keys %q: not the command's", a.AccessKeyID.Ref())
			}
			if tc.chain && (a.AccessKeyID.Ref() != "" || a.SecretAccessKey.Ref() != "") {
				t.Error("keys set: want the standard chain")
			}
			if tc.session != (a.SessionToken.Reveal() == token) {
				t.Errorf("session token %q", a.SessionToken.Ref())
			}
			if _, ok := cfg.Headers["x-amz-date"]; ok || len(cfg.Headers) > 0 {
				t.Errorf("headers kept: %v", cfg.Headers)
			}
			if tc.noteOn && len(res.Notes) < 2 {
				t.Errorf("notes %v: want one about the region", res.Notes)
			}
			assertNoSecrets(t, res, []string{secret, token})
		})
	}
}
