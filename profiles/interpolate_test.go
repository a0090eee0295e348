package profiles

import "testing"

func TestExpand(t *testing.T) {
	lookup := env(map[string]string{"A": "a", "EMPTY": ""})
	tests := []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "a"},
		{in: "x${A}y${A}", want: "xaya"},
		{in: "${EMPTY:-d}", want: ""}, // set, though empty: no default
		{in: "${NOPE:-d}", want: "d"},
		{in: "${NOPE:-}", want: ""},
		{in: "$$", want: "$"},
		{in: "$${A}", want: "${A}"},
		{in: "$x and $", want: "$x and $"},
		{in: "${NOPE}", err: "environment variable NOPE is not set (export it, or write ${NOPE:-default})"},
		{in: "${A", err: "unclosed ${ (write $$ for a literal $)"},
		{in: "${}", err: "a reference must be ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (write $$ for a literal $)"},
		{in: "${1A}", err: "a reference must be ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (write $$ for a literal $)"},
	}
	for _, tt := range tests {
		got, _, err := expand(tt.in, lookup)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("expand(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzEscapeDollars checks that expanding an escaped string gives it back.
func FuzzEscapeDollars(f *testing.F) {
	for _, s := range []string{"", "$", "$$", "${A}", "$${", "a$b", "${A:-x}$", ".x as $v | $v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := expand(escapeDollars(s), env(nil))
		if err != nil || got != s {
			t.Errorf("expand(escapeDollars(%q)) = %q, %v", s, got, err)
		}
	})
}

func TestEnvify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"orders_TOKEN", "ORDERS_TOKEN"},
		{"my-api.v2_X-Api-Key", "MY_API_V2_X_API_KEY"},
		{"9lives_TOKEN", "SIPHON_9LIVES_TOKEN"},
	}
	for _, tt := range tests {
		if got := envify(tt.in); got != tt.want {
			t.Errorf("envify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
