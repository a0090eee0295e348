package redact

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// secretAlphabet and textAlphabet share no character (and the text's
// uppercase letters are no hex digit), so a six-character piece of a secret
// in the output can only come from the secret.
const (
	secretAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789\"\\/&<>%+ \t"
	textAlphabet   = "GHIJKLMNOPQSUVWXYZ.,:;{}[]=_-!()#"
)

func randomFrom(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// secretForms are the spellings a secret has on the wire.
func secretForms(s string) []string {
	return append([]string{s, url.QueryEscape(s), url.PathEscape(s)}, jsonForms(s)...)
}

// leak returns a piece of six characters of a secret's forms found in out.
func leak(out string, secrets []string) string {
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			for i := 0; i+6 <= len(f); i++ {
				if strings.Contains(out, f[i:i+6]) {
					return f[i : i+6]
				}
			}
		}
	}
	return ""
}

// checkEveryCut redacts text cut at every position, both ways text gets
// cut in siphon: by Cut (redact, then cut), and cut first by someone else
// with an Ellipsis and redacted after.
func checkEveryCut(t *testing.T, r *Redactor, secrets []string, text string) {
	t.Helper()
	for n := 0; n <= len(text)+1; n++ {
		got := r.Cut(text, n)
		if leak(got, secrets) != "" {
			t.Fatalf("Cut(%q, %d) = %q keeps %q of a secret %q", text, n, got, leak(got, secrets), secrets)
		}
		if n < len(text) && len(got) > n+len(Ellipsis) {
			t.Fatalf("Cut(%q, %d) is %d bytes long", text, n, len(got))
		}
		if n <= len(text) {
			pre := text[:n] + Ellipsis + " and more"
			if got := r.String(pre); leak(got, secrets) != "" {
				t.Fatalf("String(%q) = %q keeps %q of a secret %q", pre, got, leak(got, secrets), secrets)
			}
		}
	}
}

// TestNoSecretSurvivesAnyCut is the property over random secrets, random
// surroundings, every spelling and every cut position.
func TestNoSecretSurvivesAnyCut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var secrets []string
		for range 1 + rng.IntN(2) {
			secrets = append(secrets, randomFrom(rng, secretAlphabet, 6+rng.IntN(30)))
		}
		r := New(secrets, nil)
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(randomFrom(rng, textAlphabet, rng.IntN(20)))
			s := secrets[rng.IntN(len(secrets))]
			forms := secretForms(s)
			b.WriteString(forms[rng.IntN(len(forms))])
		}
		b.WriteString(randomFrom(rng, textAlphabet, rng.IntN(20)))
		checkEveryCut(t, r, secrets, b.String())
	}
}

func FuzzCut(f *testing.F) {
	f.Add("wei\"rd\tok", "X{", "}Y")
	f.Add("s3cr3t/with+plus", "GET https://h.test/x?q=", "&a=1")
	f.Fuzz(func(t *testing.T, secretSeed, before, after string) {
		keep := func(alphabet string) func(rune) rune {
			return func(c rune) rune {
				if strings.ContainsRune(alphabet, c) {
					return c
				}
				return -1
			}
		}
		secret := strings.Map(keep(secretAlphabet), secretSeed)
		if len(secret) < 6 {
			return
		}
		r := New([]string{secret}, nil)
		for _, form := range secretForms(secret) {
			checkEveryCut(t, r, []string{secret}, strings.Map(keep(textAlphabet), before)+form+strings.Map(keep(textAlphabet), after))
		}
	})
}
