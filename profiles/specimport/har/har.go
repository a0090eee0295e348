// Package har reads a HAR file (HTTP Archive 1.2, as browsers' developer
// tools and proxies save them) into recorded requests: each entry's
// request with the response it got.
package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"siphon/profiles/specimport/recorded"
)

type file struct {
	Log *struct {
		Version string  `json:"version"`
		Entries []entry `json:"entries"`
	} `json:"log"`
}

type entry struct {
	Request struct {
		Method   string `json:"method"`
		URL      string `json:"url"`
		Headers  []nv   `json:"headers"`
		PostData *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
	Response *struct {
		Status  int  `json:"status"`
		Headers []nv `json:"headers"`
		Content struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type nv struct{ Name, Value string }

// Parse reads a HAR file's entries; source names it in messages.
func Parse(data []byte, source string) ([]recorded.Request, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s is not a HAR file: %v", source, err)
	}
	if f.Log == nil {
		return nil, fmt.Errorf("%s is not a HAR file: it has no \"log\"", source)
	}
	if len(f.Log.Entries) == 0 {
		return nil, fmt.Errorf("%s records no requests", source)
	}
	var out []recorded.Request
	for i, e := range f.Log.Entries {
		r := recorded.Request{
			Method: strings.ToUpper(e.Request.Method),
			URL:    recorded.Lit(e.Request.URL),
			From:   fmt.Sprintf("imported from %s, entry %d", source, i+1),
		}
		for _, h := range e.Request.Headers {
			r.Headers = append(r.Headers, recorded.HeaderText{Name: h.Name, Value: recorded.Lit(h.Value)})
		}
		if pd := e.Request.PostData; pd != nil && pd.Text != "" {
			if !strings.Contains(strings.ToLower(pd.MimeType), "json") {
				r.Notes = append(r.Notes, "the recorded body is "+pd.MimeType+", not JSON: left out")
			} else {
				r.Body = recorded.Lit(pd.Text)
			}
		}
		if resp := e.Response; resp != nil && resp.Status != 0 {
			body := []byte(resp.Content.Text)
			if strings.EqualFold(resp.Content.Encoding, "base64") {
				b, err := base64.StdEncoding.DecodeString(resp.Content.Text)
				if err != nil {
					return nil, fmt.Errorf("%s, entry %d: the response body is not valid base64", source, i+1)
				}
				body = b
			}
			rr := &recorded.Response{Status: resp.Status, Body: body}
			for _, h := range resp.Headers {
				rr.Headers = append(rr.Headers, recorded.Header{Name: h.Name, Value: h.Value})
			}
			r.Response = rr
		}
		out = append(out, r)
	}
	return out, nil
}
