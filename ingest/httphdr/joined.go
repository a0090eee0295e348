package httphdr

// Joined turns headers into one value per name, a repeated header's values
// joined with ", ", as the page index and the probe show them.
func Joined(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[k] = vs[0]
			for _, v := range vs[1:] {
				out[k] += ", " + v
			}
		}
	}
	return out
}
