package curlimport

import (
	"regexp"
	"strings"
	"unicode"

	"siphon/ingest/redact"
)

// isSecretName reports whether a header, parameter or body field of this
// name carries a credential: siphon's one rule, which the profile loader
// applies too (so an imported profile always loads).
func isSecretName(name string, isHeader bool) bool { return redact.IsCredentialName(name) }

// isAPIKeyName reports whether a header or parameter holds an API key that
// suits auth type api_key: X-API-Key, apikey, api_key, key, access_key.
func isAPIKeyName(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	n := b.String()
	if n == "key" || strings.Contains(n, "apikey") || strings.Contains(n, "apitoken") {
		return true
	}
	for _, suffix := range []string{"accesskey", "appkey", "applicationkey", "subscriptionkey", "clientkey", "developerkey"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// secretValue matches well-known credential formats, wherever they turn up
// (a parameter with an innocent name, a path segment, a body field). The
// first group is the credential.
var secretValue = regexp.MustCompile(`(?:^|[^A-Za-z0-9_]|bot)(` + strings.Join([]string{
	`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`, // JWT
	`[sr]k_(?:live|test)_[A-Za-z0-9]{8,}`,                        // Stripe
	`gh[pousr]_[A-Za-z0-9]{20,}`, `github_pat_[A-Za-z0-9_]{20,}`, // GitHub
	`glpat-[A-Za-z0-9_-]{20,}`,                   // GitLab
	`xox[abposr]-[A-Za-z0-9-]{10,}`,              // Slack
	`A[KS]IA[0-9A-Z]{16}`,                        // AWS access key id
	`AIza[0-9A-Za-z_-]{35}`,                      // Google API key
	`ya29\.[0-9A-Za-z_-]{20,}`,                   // Google OAuth token
	`sk-[A-Za-z0-9_-]{20,}`,                      // OpenAI and others
	`SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`, // SendGrid
	`shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`,         // Shopify
	`hf_[A-Za-z0-9]{30,}`, `npm_[A-Za-z0-9]{36}`, // Hugging Face, npm
	`[0-9]{6,12}:[A-Za-z0-9_-]{35}`, // Telegram bot token
}, "|") + `)(?:$|[^A-Za-z0-9_-])`)

// findSecretValue returns where the first well-known credential in s is.
func findSecretValue(s string) (start, end int, ok bool) {
	m := secretValue.FindStringSubmatchIndex(s)
	if m == nil {
		return 0, 0, false
	}
	return m[2], m[3], true
}
