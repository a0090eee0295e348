package profiles

import (
	"strings"
	"testing"

	"siphon/ingest/page"
)

// base is a valid start that each error case extends.
const base = "name: t\nbase_url: https://api.example.com\n"

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key with suggestion", base + "recrds: .data\n", []string{
			"3:1: recrds: unknown key; did you mean records?",
		}},
		{"unknown nested key with suggestion", base + "pagination:\n  type: cursor\n  cursor_path: .next\n  cursr_param: c\n", []string{
			"6:3: pagination.cursr_param: unknown key; did you mean cursor_param?",
		}},
		{"unknown key without suggestion", base + "zzzzzzzz: 1\n", []string{
			"3:1: zzzzzzzz: unknown key",
		}},
		{"duplicate key", base + "path: /a\npath: /b\n", []string{
			"4:1: path: duplicate key; first defined at line 3",
		}},
		{"integer expected", base + "pagination:\n  limit: abc\n", []string{
			"4:10: pagination.limit: expected an integer, got \"abc\"",
		}},
		{"negative integer", base + "pagination:\n  max_pages: -1\n", []string{
			"4:14: pagination.max_pages: must be 0 or more, got -1",
		}},
		{"string expected, got a list", base + "description: [a]\n", []string{
			"3:14: description: expected a string, got a list",
		}},
		{"string expected, got a number", base + "path: 5\n", []string{
			"3:7: path: expected a string, got 5 (quote it: \"5\")",
		}},
		{"bool expected", base + "output:\n  raw_pages: \"yes\"\n", []string{
			"4:14: output.raw_pages: expected true or false, got \"yes\"",
		}},
		{"mapping expected", base + "pagination: cursor\n", []string{
			"3:13: pagination: expected a mapping, got \"cursor\"",
		}},
		{"duration without unit", base + "timeout: 5\n", []string{
			"3:10: timeout: expected a duration such as 30s or 250ms, got 5 (a duration needs a unit)",
		}},
		{"duration in words", base + "timeout: 5 minutes\n", []string{
			"3:10: timeout: expected a duration such as 30s or 250ms, got \"5 minutes\"",
		}},
		{"zero duration", base + "timeout: 0s\n", []string{
			"3:10: timeout: must be greater than 0, got 0s",
		}},
		{"base_url without scheme", "name: t\nbase_url: api.example.com\n", []string{
			"2:11: base_url: expected an absolute http or https URL with a host, got \"api.example.com\"",
		}},
		{"base_url ftp", "name: t\nbase_url: ftp://api.example.com\n", []string{
			"2:11: base_url: expected an absolute http or https URL with a host, got \"ftp://api.example.com\"",
		}},
		{"base_url with credentials", "name: t\nbase_url: https://me:pw@api.example.com\n", []string{
			"2:11: base_url: must not hold credentials; put them in auth as ${VAR} or file:PATH references",
		}},
		{"bad base_url hides credentials and query", "name: t\nbase_url: htps://me:pw@api.example.com/x?key=abc123secret\n", []string{
			"2:11: base_url: expected an absolute http or https URL with a host, got \"htps://REDACTED@api.example.com/x?...\"",
		}},
		{"null type is no type", base + "pagination:\n  type: null\n  cursor_path: .next\n", []string{
			"5:3: pagination.cursor_path: cursor_path applies to pagination type cursor, not none (set type: cursor)",
		}},
		{"null required key is missing", base + "pagination:\n  type: cursor\n  cursor_path:\n", []string{
			"4:9: pagination.cursor_path: required for pagination type cursor",
		}},
		{"base_url missing", "name: t\n", []string{
			"1:1: base_url: missing; every profile needs the API's base URL, e.g. base_url: https://api.example.com/v2",
		}},
		{"cursor without cursor_path", base + "pagination:\n  type: cursor\n", []string{
			"4:9: pagination.cursor_path: required for pagination type cursor",
		}},
		{"next_url without next_url_path", base + "pagination:\n  type: next_url\n  limit: 10\n", []string{
			"4:9: pagination.next_url_path: required for pagination type next_url",
		}},
		{"field of another style", base + "pagination:\n  type: offset\n  cursor_path: .next\n", []string{
			"5:3: pagination.cursor_path: cursor_path applies to pagination type cursor, not offset",
		}},
		{"field of several other styles", base + "pagination:\n  type: page\n  start: 5\n", []string{
			"5:3: pagination.start: start applies to pagination types offset, keyset and timestamp, not page",
		}},
		{"field of a style without type", base + "pagination:\n  inclusive: true\n", []string{
			"4:3: pagination.inclusive: inclusive applies to pagination type timestamp, not none (set type: timestamp)",
		}},
		{"unknown pagination type", base + "pagination:\n  type: curser\n  cursor_path: .next\n", []string{
			"4:9: pagination.type: expected one of none, offset, page, cursor, next_url, link_header, keyset, timestamp, got \"curser\"; did you mean cursor?",
		}},
		{"timestamp start not RFC 3339", base + "pagination:\n  type: timestamp\n  start: 2024-13-01\n", []string{
			"5:10: pagination.start: expected an RFC 3339 time such as 2024-01-01T00:00:00Z, got \"2024-13-01\"",
		}},
		{"offset start negative", base + "pagination:\n  type: offset\n  start: -1\n", []string{
			"5:10: pagination.start: must be 0 or more, got -1",
		}},
		{"keyset start a list", base + "pagination:\n  type: keyset\n  start: [1]\n", []string{
			"5:10: pagination.start: expected a value such as 0 or a key, got a list",
		}},
		{"start_page zero", base + "pagination:\n  type: page\n  start_page: 0\n", []string{
			"5:15: pagination.start_page: must be 1 or more: zero-based pages are not supported yet",
		}},
		{"bad jq", base + "records: .data[\n", []string{
			"3:10: records: invalid jq expression \".data[\": unexpected EOF",
		}},
		{"bad jq in pagination", base + "pagination:\n  type: cursor\n  cursor_path: .next | $undefined\n", []string{
			"5:16: pagination.cursor_path: invalid jq expression \".next | $undefined\": variable not defined: $undefined",
		}},
		{"empty jq", base + "records: \"\"\n", []string{
			"3:10: records: must not be empty",
		}},
		{"bad name", "name: Orders\nbase_url: https://api.example.com\n", []string{
			"1:7: name: expected lower-case letters, digits, '.', '_' and '-', got \"Orders\"",
		}},
		{"name dot dot", "name: \"..\"\nbase_url: https://api.example.com\n", []string{
			"1:7: name: must not be . or .. (it names a folder), got \"..\"",
		}},
		{"body without POST", base + "body: {a: 1}\n", []string{
			"3:1: body: a body is sent only with method: POST, and the method is GET",
		}},
		{"max_body not a size", base + "max_body: lots\n", []string{
			"3:11: max_body: expected a positive size such as 64MiB, 500KB or 1048576 (bytes), got \"lots\"",
		}},
		{"method unknown", base + "method: put\n", []string{
			"3:9: method: expected GET or POST, got \"put\"",
		}},
		{"param null", base + "params:\n  q: null\n", []string{
			"4:6: params.q: expected a value, got null (write \"\" for an empty parameter)",
		}},
		{"param list", base + "params:\n  q: [1, 2]\n", []string{
			"4:6: params.q: expected a string or number, got a list",
		}},
		{"header number", base + "headers:\n  X-Version: 2\n", []string{
			"4:14: headers.X-Version: expected a string, got 2 (quote it: \"2\")",
		}},
		{"header duplicate ignoring case", base + "headers:\n  Accept: a\n  accept: b\n", []string{
			"5:3: headers.accept: duplicate header (names ignore case); first defined at line 4",
		}},
		{"header bad name", base + "headers:\n  Bad Name: a\n", []string{
			"4:3: headers.Bad Name: invalid header name: expected letters, digits and !#$%&'*+-.^_`|~",
		}},
		{"literal secret token", base + "auth:\n  type: bearer\n  token: abc123secret\n", []string{
			"5:10: auth.token: a secret must not be written in the profile; write token: ${T_TOKEN} and export T_TOKEN, or token: file:PATH, or token: cmd:COMMAND",
		}},
		{"literal secret as number", base + "auth:\n  type: api_key\n  name: X-Key\n  value: 123456\n", []string{
			"6:10: auth.value: a secret must not be written in the profile; write value: ${T_API_KEY} and export T_API_KEY, or value: file:PATH, or value: cmd:COMMAND",
		}},
		{"secret with text around reference", base + "auth:\n  type: bearer\n  token: Bearer ${SET}\n", []string{
			"5:10: auth.token: expected exactly one ${VAR} reference (no default, nothing around it), file:PATH or cmd:COMMAND",
		}},
		{"literal sensitive header", base + "headers:\n  Authorization: Bearer abc123secret\n", []string{
			"4:18: headers.Authorization: a secret must not be written in the profile; write Authorization: ${T_AUTHORIZATION} and export T_AUTHORIZATION, or Authorization: file:PATH, or Authorization: cmd:COMMAND",
		}},
		{"literal sensitive param", base + "params:\n  api_key: abc123secret\n", []string{
			"4:12: params.api_key: a secret must not be written in the profile; write api_key: ${T_API_KEY} and export T_API_KEY, or api_key: file:PATH, or api_key: cmd:COMMAND",
		}},
		{"missing variable in secret", base + "auth:\n  type: bearer\n  token: ${NOPE}\n", []string{
			"5:10: auth.token: environment variable NOPE is not set",
		}},
		{"empty variable in secret", base + "auth:\n  type: bearer\n  token: ${EMPTY}\n", []string{
			"5:10: auth.token: environment variable EMPTY is empty",
		}},
		{"missing variable in header", base + "headers:\n  X-Api-Token: ${NOPE}\n", []string{
			"4:16: headers.X-Api-Token: environment variable NOPE is not set",
		}},
		{"missing variable in string", base + "path: /x/${NOPE}\n", []string{
			"3:7: path: environment variable NOPE is not set (export it, or write ${NOPE:-default})",
		}},
		{"bad reference", base + "path: /x/${A-B}\n", []string{
			"3:7: path: a reference must be ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (write $$ for a literal $)",
		}},
		{"unclosed reference", base + "path: /x/${A\n", []string{
			"3:7: path: unclosed ${ (write $$ for a literal $)",
		}},
		{"missing secret file", base + "auth:\n  type: bearer\n  token: file:files/missing.txt\n", []string{
			"5:10: auth.token: secret file DIR/files/missing.txt does not exist",
		}},
		{"empty secret file", base + "auth:\n  type: bearer\n  token: file:files/empty.txt\n", []string{
			"5:10: auth.token: secret file DIR/files/empty.txt is empty",
		}},
		{"api_key missing name and value", base + "auth:\n  type: api_key\n  in: body\n", []string{
			"4:9: auth.name: required for auth type api_key",
			"4:9: auth.value: required for auth type api_key",
			"5:7: auth.in: expected one of header, query, got \"body\"",
		}},
		{"auth field without type", base + "auth:\n  token: ${SET}\n", []string{
			"4:3: auth.token: token applies to auth type bearer, not none (set type: bearer)",
		}},
		{"auth field of another type", base + "auth:\n  type: basic\n  username: u\n  token: ${SET}\n", []string{
			"6:3: auth.token: token applies to auth type bearer, not basic",
		}},
		{"oauth2 client_credentials needs a secret", base + "auth:\n  type: oauth2\n  token_url: https://auth.example.com/token\n  client_id: c\n", []string{
			"4:9: auth.client_secret: required for oauth2 grant client_credentials",
		}},
		{"authorize_url with client_credentials", base + "auth:\n  type: oauth2\n  token_url: https://auth.example.com/token\n  client_id: c\n  client_secret: ${SET}\n  authorize_url: https://auth.example.com/authorize\n", []string{
			"8:3: auth.authorize_url: authorize_url applies to oauth2 grant authorization_code, not client_credentials",
		}},
		{"authorization_code refresh token must be a file", base + "auth:\n  type: oauth2\n  grant: authorization_code\n  token_url: https://auth.example.com/token\n  authorize_url: https://auth.example.com/authorize\n  client_id: c\n  refresh_token: ${SET}\n", []string{
			"9:18: auth.refresh_token: expected a file:PATH reference (siphon auth login stores the token there), e.g. refresh_token: file:~/.config/siphon/t.token",
		}},
		{"bad token_url", base + "auth:\n  type: oauth2\n  token_url: /token\n  client_id: c\n  client_secret: ${SET}\n", []string{
			"5:14: auth.token_url: expected an absolute http or https URL with a host, got \"/token\"",
		}},
		{"rate both per second and per minute", base + "rate_limit:\n  requests_per_second: 1\n  requests_per_minute: 60\n", []string{
			"5:3: rate_limit.requests_per_minute: give requests_per_second or requests_per_minute, not both",
		}},
		{"rate burst zero and negative rps", base + "rate_limit:\n  requests_per_second: -1\n  burst: 0\n", []string{
			"4:24: rate_limit.requests_per_second: must be 0 or more, got -1",
			"5:10: rate_limit.burst: must be 1 or more, got 0",
		}},
		{"retry bounds", base + "retry:\n  max_attempts: 0\n  on_status: [99, 429, 600, x]\n", []string{
			"4:17: retry.max_attempts: must be 1 or more, got 0",
			"5:15: retry.on_status[0]: expected an HTTP status from 100 to 599, got 99",
			"5:24: retry.on_status[2]: expected an HTTP status from 100 to 599, got 600",
			"5:29: retry.on_status[3]: expected an integer, got \"x\"",
		}},
		{"max_backoff below initial", base + "retry:\n  initial_backoff: 10s\n  max_backoff: 5s\n", []string{
			"5:16: retry.max_backoff: must be at least initial_backoff (10s), got 5s",
		}},
		{"initial_backoff above default max", base + "retry:\n  initial_backoff: 2m\n", []string{
			"4:20: retry.initial_backoff: must be at most max_backoff (1m, the default), got 2m",
		}},
		{"allowed_hosts URL", base + "allowed_hosts: [https://cdn.example.com, \"cdn.example.com:99999\", ok.example.com]\n", []string{
			"3:17: allowed_hosts[0]: expected a host or host:port, not a URL, got \"https://cdn.example.com\"",
			"3:42: allowed_hosts[1]: the port must be a number from 1 to 65535, got \"cdn.example.com:99999\"",
		}},
		{"schema values", base + "schema:\n  on_drift: warning\n  file: files/missing.json\n", []string{
			"4:13: schema.on_drift: expected one of warn, fail, got \"warning\"; did you mean warn?",
			"5:9: schema.file: file DIR/files/missing.json does not exist",
		}},
		{"tls cert without key", base + "tls:\n  cert_file: files/present.txt\n  ca_file: files/nope.pem\n", []string{
			"4:3: tls.cert_file: a client certificate needs key_file too",
			"5:12: tls.ca_file: file DIR/files/nope.pem does not exist",
		}},
		{"primary_key mapping", base + "primary_key: {a: 1}\n", []string{
			"3:14: primary_key: expected a field name or a list of them, got a mapping",
		}},
		{"merge key", base + "defaults: &d {limit: 1}\npagination:\n  <<: *d\n", []string{
			"3:1: defaults: unknown key",
			"5:3: pagination: merge keys (<<) are not supported; write the keys out",
		}},
		{"syntax error", base + "pagination: [\n", []string{
			"3:0: invalid YAML: did not find expected node content",
		}},
		{"empty file", "", []string{
			"1:1: the file is empty; a profile is a YAML mapping with at least base_url",
		}},
		{"two documents", base + "---\nname: u\n", []string{
			"3:1: a profile file holds one YAML document; remove the second (---)",
		}},
		{"root is a list", "- a\n- b\n", []string{
			"1:1: a profile is a YAML mapping of keys such as name and base_url, got a list",
		}},
		{"body float not JSON", base + "method: POST\nbody: {x: .inf}\n", []string{
			"4:11: body.x: .inf is not a JSON number",
		}},
		{"body duplicate key", base + "method: POST\nbody: {x: 1, x: 2}\n", []string{
			"4:14: body.x: duplicate key; first defined at line 4",
		}},
		{"body binary", base + "method: POST\nbody: !!binary aGVsbG8=\n", []string{
			"4:7: body: !!binary values cannot be sent as JSON",
		}},
		{"integer out of range", base + "pagination:\n  limit: 99999999999999999999\n", []string{
			"4:10: pagination.limit: integer 99999999999999999999 is out of range",
		}},
		{"number expected", base + "rate_limit:\n  requests_per_second: fast\n", []string{
			"4:24: rate_limit.requests_per_second: expected a number, got \"fast\"",
		}},
		{"number not finite", base + "rate_limit:\n  requests_per_second: .nan\n", []string{
			"4:24: rate_limit.requests_per_second: expected a finite number, got .nan",
		}},
		{"list expected", base + "allowed_hosts: cdn.example.com\n", []string{
			"3:16: allowed_hosts: expected a list, got \"cdn.example.com\"",
		}},
		{"null in a list", base + "primary_key: [id, null, \"\"]\n", []string{
			"3:19: primary_key[1]: expected a string, got null",
			"3:25: primary_key[2]: must not be empty",
		}},
		{"secret as a mapping", base + "auth:\n  type: bearer\n  token: {env: X}\n", []string{
			"5:10: auth.token: expected a ${VAR}, file:PATH or cmd:COMMAND reference, got a mapping",
		}},
		{"file reference without a path", base + "auth:\n  type: bearer\n  token: \"file:\"\n", []string{
			"5:10: auth.token: file: needs a path, e.g. file:~/.config/siphon/t.secret",
		}},
		{"sensitive header as a list", base + "headers:\n  Cookie: [a]\n", []string{
			"4:11: headers.Cookie: expected a ${VAR} or file:PATH reference, got a list",
		}},
		{"sensitive header from missing file", base + "headers:\n  Cookie: file:files/missing.txt\n", []string{
			"4:11: headers.Cookie: secret file DIR/files/missing.txt does not exist",
		}},
		{"header with line break", base + "headers:\n  X-A: \"a\\nb\"\n", []string{
			"4:8: headers.X-A: a header value must not contain a line break",
		}},
		{"header null", base + "headers:\n  X-A:\n", []string{
			"4:7: headers.X-A: expected a string, got null",
		}},
		{"extra_params null", base + "auth:\n  type: oauth2\n  token_url: https://a.example.com/t\n  client_id: c\n  client_secret: ${SET}\n  extra_params: {audience: null}\n", []string{
			"8:28: auth.extra_params.audience: expected a string, got null",
		}},
		{"duration as a list", base + "timeout: [1s]\n", []string{
			"3:10: timeout: expected a duration such as 30s or 250ms, got a list",
		}},
		{"on_status not a list", base + "retry:\n  on_status: 429\n", []string{
			"4:14: retry.on_status: expected a list, got 429",
		}},
		{"schema file is a folder", base + "schema:\n  file: files\n  on_invalid: drop\n", []string{
			"4:9: schema.file: DIR/files is a folder, not a file",
			"5:15: schema.on_invalid: expected one of reject, fail, got \"drop\"",
		}},
		{"output unknown key", base + "output:\n  folder: out\n", []string{
			"4:3: output.folder: unknown key",
		}},
		{"non-scalar key", base + "? [a]\n: b\n", []string{
			"3:3: expected a key, got a list",
		}},
		{"oauth2 unknown grant", base + "auth:\n  type: oauth2\n  grant: password\n  token_url: https://a.example.com/t\n", []string{
			"5:10: auth.grant: expected one of client_credentials, refresh_token, authorization_code, got \"password\"",
		}},
		{"grant on another auth type", base + "auth:\n  type: bearer\n  token: ${SET}\n  grant: client_credentials\n", []string{
			"6:3: auth.grant: grant applies to auth type oauth2, not bearer",
		}},
		{"refresh_token with client_credentials", base + "auth:\n  type: oauth2\n  token_url: https://a.example.com/t\n  client_id: c\n  client_secret: ${SET}\n  refresh_token: ${SET}\n", []string{
			"8:3: auth.refresh_token: refresh_token applies to oauth2 grants refresh_token and authorization_code, not client_credentials",
		}},
		{"refresh_token grant needs the token", base + "auth:\n  type: oauth2\n  grant: refresh_token\n  token_url: https://a.example.com/t\n  client_id: c\n", []string{
			"4:9: auth.refresh_token: required for oauth2 grant refresh_token",
		}},
		{"unknown auth key", base + "auth:\n  type: bearer\n  tokn: ${SET}\n", []string{
			"4:9: auth.token: required for auth type bearer",
			"5:3: auth.tokn: unknown key; did you mean token?",
		}},
		{"api_key name with a space", base + "auth:\n  type: api_key\n  name: X Key\n  value: ${SET}\n", []string{
			"5:9: auth.name: expected a header or parameter name, without spaces or separators, got \"X Key\"",
		}},
		{"body with a recursive alias", base + "method: POST\nbody: &a [*a]\n", []string{
			"4:7: body: the body is nested too deeply or too large (a recursive alias?)",
		}},
		{"several problems in file order", "name: t\nrecords: .[\nbase_url: x\ntimeout: 1\n", []string{
			"2:10: records: invalid jq expression \".[\": unexpected EOF",
			"3:11: base_url: expected an absolute http or https URL with a host, got \"x\"",
			"4:10: timeout: expected a duration such as 30s or 250ms, got 1 (a duration needs a unit)",
		}},
	}
	dir := t.TempDir()
	writeFile(t, dir, "files/present.txt", "x\n")
	writeFile(t, dir, "files/empty.txt", "\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Loader{CheckExpr: page.Check, LookupEnv: env(map[string]string{"SET": "v", "EMPTY": ""})}
			p, err := l.LoadBytes(dir+"/p.yaml", []byte(tt.yaml))
			got := problemsOf(t, err)
			for i := range got { // temporary folders differ from run to run
				got[i] = strings.ReplaceAll(got[i], dir, "DIR")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", fmtList(got), fmtList(tt.want))
			}
			if err != nil && (strings.Contains(err.Error(), "abc123secret") || strings.Contains(err.Error(), ":pw@")) {
				t.Errorf("the error repeats a literal secret: %v", err)
			}
			if err != nil && p != nil {
				t.Errorf("LoadBytes returned a profile with an error")
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := Loader{CheckExpr: page.Check}.LoadBytes("profiles/p.yaml", []byte(base+"recrds: .data\ntimeout: 5\n"))
	want := "profiles/p.yaml:3:1: recrds: unknown key; did you mean records?\n" +
		"profiles/p.yaml:4:10: timeout: expected a duration such as 30s or 250ms, got 5 (a duration needs a unit)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 2, Column: 5, Field: "x", Msg: "m"}, "a.yaml:2:5: x: m"},
		{Error{File: "a.yaml", Line: 2, Msg: "m"}, "a.yaml:2: m"},
		{Error{File: "a.yaml", Msg: "m"}, "a.yaml: m"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%#v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// fmtList prints a list of problems as Go source, for pasting into a case.
func fmtList(l []string) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString("\t\t\t\"" + strings.ReplaceAll(s, `"`, `\"`) + "\",\n")
	}
	return b.String()
}

// FuzzLoadBytes checks that no input panics, and that every problem comes
// as an *Error with a position.
func FuzzLoadBytes(f *testing.F) {
	for _, s := range []string{"", "# only a comment", "---", "~", "[", base, base + "pagination: {type: cursor}", base + "body: &a [*a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Loader{CheckExpr: page.Check, LookupEnv: env(nil), SkipSecrets: true}.LoadBytes("f.yaml", []byte(s))
		problemsOf(t, err) // fails on anything but *Error
	})
}
