package demoapi

import (
	"net/http"
	"strconv"
)

// oauthError is an RFC 6749 5.2 error answer; status is the HTTP status.
type oauthError struct {
	status      int
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_request", desc}
}

func errInvalidGrant(desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_grant", desc}
}

func errInvalidClient(desc string) *oauthError {
	return &oauthError{http.StatusUnauthorized, "invalid_client", desc}
}

// writeOAuthJSON sends a token endpoint answer, which must never be cached
// (RFC 6749 5.1).
func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	body := marshalPlain(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeOAuthError sends e, counting refused grants.
func (a *API) writeOAuthError(w http.ResponseWriter, e *oauthError) {
	switch e.Code {
	case "invalid_grant":
		a.stats.count(&a.stats.invalidGrants)
	case "invalid_client":
		// RFC 6749 5.2: a 401 names the scheme the client may authenticate with.
		w.Header().Set("WWW-Authenticate", `Basic realm="`+authRealm+`"`)
	}
	writeOAuthJSON(w, e.status, e)
}
