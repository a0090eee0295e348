package profiles

import (
	"strings"
	"testing"
)

// TestSigningAndLoginKeys: profiles of the three new auth types load, show
// their references (never values), and load back the same.
func TestSigningAndLoginKeys(t *testing.T) {
	vars := env(map[string]string{"PW": "pw-value-123456", "AK": "AKIDVALUE", "SK": "sk-value-987654", "HK": "hk-value-555555"})
	for name, text := range map[string]string{
		"login": `base_url: https://api.example.com
auth:
  type: login
  login:
    path: /auth/login
    headers: {Content-Type: application/x-www-form-urlencoded, X-Api-Key: "${AK}"}
    body: {username: demo, password: "${PW}"}
  token_path: .token
  expires_in_path: .expires_in
`,
		"sigv4": `base_url: https://s3.eu-west-1.amazonaws.com
auth: {type: aws_sigv4, service: s3, region: eu-west-1, access_key_id: "${AK}", secret_access_key: "${SK}"}
`,
		"hmac": `base_url: https://api.example.com
auth: {type: hmac, key: "${HK}", header: X-Signature, sign: "{timestamp}\\n{method}\\n{target}", encoding: base64, timestamp_header: X-Ts}
`,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Loader{LookupEnv: vars, Approvals: &Approvals{}}.LoadBytes(t.TempDir()+"/"+name+".yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			out := string(Format(p))
			for _, v := range []string{"pw-value-123456", "AKIDVALUE", "sk-value-987654", "hk-value-555555"} {
				if strings.Contains(out, v) {
					t.Errorf("show holds %s:\n%s", v, out)
				}
			}
			again, err := Loader{LookupEnv: vars, Approvals: &Approvals{}}.LoadBytes(t.TempDir()+"/"+name+".yaml", []byte(out))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if a, b := p.Config.Auth, again.Config.Auth; a.Type != b.Type || string(a.Login.Body) != string(b.Login.Body) || a.Sign != b.Sign || a.Prefix != b.Prefix ||
				a.SecretAccessKey.Reveal() != b.SecretAccessKey.Reveal() || a.Key.Reveal() != b.Key.Reveal() {
				t.Errorf("round trip changed auth:\n%+v\n%+v", a, b)
			}
		})
	}
}

// TestSigningAndLoginErrors: mistakes are reported at their position.
func TestSigningAndLoginErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"literal password", "base_url: https://a.example\nauth:\n  type: login\n  login: {path: /l, body: {password: hunter2}}\n  token_path: .t\n",
			"4:38: auth.login.body.password: a secret must not be written in the profile"},
		{"no token source", "base_url: https://a.example\nauth:\n  type: login\n  login: {path: /l}\n",
			"3:9: auth.token_path: required for auth type login"},
		{"half the AWS keys", "base_url: https://a.example\nauth: {type: aws_sigv4, service: s3, access_key_id: \"${AK}\"}\n",
			"2:38: auth.access_key_id: access_key_id needs secret_access_key too"},
		{"no service", "base_url: https://a.example\nauth: {type: aws_sigv4}\n",
			"2:14: auth.service: required for auth type aws_sigv4"},
		{"hmac without header", "base_url: https://a.example\nauth: {type: hmac, key: \"${HK}\"}\n",
			"2:14: auth.header: required for auth type hmac"},
		{"unknown algorithm", "base_url: https://a.example\nauth: {type: hmac, key: \"${HK}\", header: X-S, algorithm: md5}\n",
			"2:58: auth.algorithm: expected one of sha256, sha512, sha1"},
		{"key of another type", "base_url: https://a.example\nauth: {type: bearer, token: \"${HK}\", service: s3}\n",
			"2:38: auth.service:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Loader{LookupEnv: env(map[string]string{"AK": "x", "HK": "y"}), Approvals: &Approvals{}}.LoadBytes("p.yaml", []byte(tc.text))
			got := strings.Join(problemsOf(t, err), "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("got\n%s\nwant %q", got, tc.want)
			}
			if strings.Contains(got, "hunter2") {
				t.Error("the error shows the password")
			}
		})
	}
}
