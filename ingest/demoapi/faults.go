package demoapi

import (
	"net"
	"net/http"
	"strconv"
)

// fault is what the RNG decided for one request.
type fault int

const (
	faultNone fault = iota
	faultTooMany
	faultReset
	faultServerError
	faultHTML
	faultStall
	faultSlow
	faultTruncate
)

var serverErrorCodes = [...]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}

// draw picks this request's fault, checked in a fixed order. It always takes
// the same number of values from the RNG, so a seed gives the same sequence
// of faults whatever the rates are.
func (a *API) draw() (fault, int) {
	f := &a.opts.Faults
	a.rngMu.Lock()
	var u [7]float64
	for i := range u {
		u[i] = a.rng.Float64()
	}
	code := serverErrorCodes[a.rng.IntN(len(serverErrorCodes))]
	a.rngMu.Unlock()

	rates := [...]struct {
		rate float64
		kind fault
	}{
		{f.TooManyRate, faultTooMany}, {f.ResetRate, faultReset}, {f.ServerErrorRate, faultServerError},
		{f.HTMLRate, faultHTML}, {f.StallRate, faultStall}, {f.SlowRate, faultSlow}, {f.TruncateRate, faultTruncate},
	}
	for i, r := range rates {
		if u[i] < r.rate {
			return r.kind, code
		}
	}
	return faultNone, code
}

// reset drops the connection with a TCP RST and no response at all.
func (a *API) reset(w http.ResponseWriter) {
	a.stats.count(&a.stats.resets)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): net/http's sanctioned abort.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

// cut closes the connection after what was written so far has been sent, so
// the client sees the body end early. Without hijacking, the short write
// against the announced Content-Length makes net/http close it anyway.
func cut(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		_ = conn.Close()
	}
}

// abort ends a request that will get no answer (client gone, API aborted).
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// writePartial announces the whole body but sends only its first half.
func writePartial(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
}

const badGatewayHTML = `<!DOCTYPE html>
<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`
