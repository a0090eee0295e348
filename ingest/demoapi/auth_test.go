package demoapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	all := Auth{APIKey: "key-1", BearerToken: "tok-1", BasicUser: "ann", BasicPass: "pw-1"}
	tests := []struct {
		name   string
		auth   Auth
		path   string
		header map[string]string
		user   *[2]string
		want   int
	}{
		{"no auth configured", Auth{}, "/v1/none", nil, nil, 200},
		{"api key header", all, "/v1/none", map[string]string{"X-API-Key": "key-1"}, nil, 200},
		{"api key query", all, "/v1/none?api_key=key-1", nil, nil, 200},
		{"bearer", all, "/v1/none", map[string]string{"Authorization": "Bearer tok-1"}, nil, 200},
		{"bearer lower-case scheme", all, "/v1/none", map[string]string{"Authorization": "bearer tok-1"}, nil, 200},
		{"basic", all, "/v1/none", nil, &[2]string{"ann", "pw-1"}, 200},
		{"nothing sent", all, "/v1/none", nil, nil, 401},
		{"wrong key", all, "/v1/none", map[string]string{"X-API-Key": "key-2"}, nil, 401},
		{"key as bearer", Auth{APIKey: "key-1"}, "/v1/none", map[string]string{"Authorization": "Bearer key-1"}, nil, 401},
		{"wrong password", all, "/v1/none", nil, &[2]string{"ann", "pw-2"}, 401},
		{"bearer not configured", Auth{APIKey: "k"}, "/v1/none", map[string]string{"Authorization": "Bearer "}, nil, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{Records: 3, Auth: tt.auth})
			req, _ := http.NewRequest(http.MethodGet, s.URL+tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.user != nil {
				req.SetBasicAuth(tt.user[0], tt.user[1])
			}
			resp, err := newClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 401 {
				if st := s.Stats(); st.AuthFailures != 1 {
					t.Errorf("AuthFailures = %d, want 1", st.AuthFailures)
				}
				if resp.Header.Get("Content-Type") != "application/json" {
					t.Errorf("401 Content-Type %q", resp.Header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestUnauthorizedNamesWaysNotValues(t *testing.T) {
	s := startServer(t, Options{Records: 1, Auth: Auth{APIKey: "sekrit-key", BearerToken: "sekrit-tok", BasicUser: "u", BasicPass: "sekrit-pw"}})
	resp, body := get(t, newClient(t), s.URL+"/v1/none")
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if strings.Contains(string(body), "sekrit") {
		t.Fatalf("401 body leaks a credential: %s", body)
	}
	if !strings.Contains(string(body), "X-API-Key") || !strings.Contains(string(body), "bearer") {
		t.Errorf("401 body does not say what to send: %s", body)
	}
	if got := resp.Header.Values("WWW-Authenticate"); len(got) != 2 {
		t.Errorf("WWW-Authenticate %v, want Bearer and Basic", got)
	}
}
