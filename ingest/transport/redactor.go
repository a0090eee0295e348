package transport

import (
	"encoding/base64"
	"sync/atomic"

	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// Redactor is the redactor in force for a profile, shared by a client and
// its partitions' clients: it grows as OAuth2 tokens arrive, so ask it
// again after a request rather than keeping what it returned.
type Redactor struct {
	p atomic.Pointer[redact.Redactor]
}

// NewRedactor hides cfg's secrets and credential-like names.
func NewRedactor(cfg *spec.Config) *Redactor {
	r := new(Redactor)
	r.p.Store(newRedactor(cfg))
	return r
}

// Load is the redactor now in force.
func (r *Redactor) Load() *redact.Redactor { return r.p.Load() }

// HideAlso adds secrets learned during a run (tokens).
func (r *Redactor) HideAlso(secrets ...string) {
	for {
		old := r.p.Load()
		if r.p.CompareAndSwap(old, old.With(secrets...)) {
			return
		}
	}
}

func newRedactor(cfg *spec.Config) *redact.Redactor {
	secrets := configSecrets(cfg)
	if cfg.Auth.Type == spec.AuthBasic && cfg.Auth.Password.Reveal() != "" {
		// the Authorization header carries the pair in base64
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(cfg.Auth.Username+":"+cfg.Auth.Password.Reveal())))
	}
	names := append(append([]string(nil), cfg.SecretHeaders...), cfg.SecretParams...)
	if cfg.Auth.Type == spec.AuthAPIKey && cfg.Auth.Name != "" {
		names = append(names, cfg.Auth.Name)
	}
	names = append(names, authHeaders(cfg.Auth)...)
	if cfg.Auth.Type == spec.AuthSigV4 {
		names = append(names, "X-Amz-Signature", "X-Amz-Credential")
	}
	return redact.New(secrets, names)
}
