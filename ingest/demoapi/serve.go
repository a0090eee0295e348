package demoapi

import (
	"net/http"
	"strconv"
)

// serveData runs a data request through the rate limit, auth and the fault
// draw, in that order, and then answers it. A faulted request changes no data.
func (a *API) serveData(w http.ResponseWriter, r *http.Request, ep endpoint) {
	h := w.Header()
	h.Set("Content-Type", "application/json")

	if a.limiter != nil {
		s := a.limiter.take(a.now())
		setRateLimitHeaders(h, a.opts.Faults.RateLimitHeaders, s)
		if !s.allowed {
			if !a.wait(r.Context(), a.opts.Latency) {
				abort(w)
				return
			}
			h.Set("Retry-After", strconv.Itoa(s.retryAfter))
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded: "+strconv.Itoa(s.limit)+" requests per second", "")
			return
		}
	}
	if a.opts.HMAC != nil {
		if _, skewed := a.hmacAuthorized(r); skewed {
			writeError(w, http.StatusForbidden, "RequestTimeTooSkewed: the request's timestamp is too far from the server's clock", "")
			return
		}
	}
	if !a.authorized(r) {
		if !a.wait(r.Context(), a.opts.Latency) {
			abort(w)
			return
		}
		if a.oauth != nil {
			a.stats.count(&a.stats.tokenAuthFailures)
		}
		a.challenge(h, r)
		writeError(w, http.StatusUnauthorized, "unauthorized: "+a.authHint(), "")
		return
	}

	kind, code := a.draw()
	if !a.wait(r.Context(), a.opts.Latency) {
		abort(w)
		return
	}
	switch kind {
	case faultTooMany:
		h.Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "too many requests", "")
		return
	case faultReset:
		a.reset(w)
		return
	case faultServerError:
		writeError(w, code, http.StatusText(code), "")
		return
	case faultHTML:
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(badGatewayHTML)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(badGatewayHTML))
		return
	case faultSlow:
		if !a.wait(r.Context(), a.opts.Faults.SlowDelay) {
			abort(w)
			return
		}
	}

	body, err := ep.serve(a, r, h)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), paramOf(err))
		return
	}
	switch kind {
	case faultStall:
		a.stats.count(&a.stats.stalls)
		writePartial(w, body)
		_ = http.NewResponseController(w).Flush()
		a.wait(r.Context(), stallCap)
		cut(w)
		return
	case faultTruncate:
		a.stats.count(&a.stats.truncations)
		writePartial(w, body)
		cut(w)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
