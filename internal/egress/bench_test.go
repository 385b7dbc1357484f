package egress

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
)

// benchPolicy is a realistic policy of 20 rules: exact hosts, wildcards,
// path prefixes, an IP literal in a zone.
func benchPolicy(b *testing.B) *Policy {
	var rules []Rule
	for i := range 14 {
		rules = append(rules, Rule{Name: "svc" + strconv.Itoa(i), Host: "svc" + strconv.Itoa(i) + ".example.com", PathPrefix: "/v1"})
	}
	rules = append(rules,
		Rule{Name: "openai", Host: "api.openai.com", PathPrefix: "/v1/chat"},
		Rule{Name: "anthropic", Host: "api.anthropic.com"},
		Rule{Name: "wild", Host: "*.tools.example.org", Ports: []int{443, 8443}},
		Rule{Name: "wild2", Host: "*.hooks.example.net", Schemes: []string{"http", "https"}},
		Rule{Name: "idp", Host: "login.corp.internal", Zone: "corp"},
		Rule{Name: "ip", Host: "10.2.3.4", Zone: "corp", Schemes: []string{"http"}, Ports: []int{8080}},
	)
	zones := []Zone{{Name: "corp", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	return mustPolicy(b, rules, zones)
}

func BenchmarkPolicyCheck(b *testing.B) {
	p := benchPolicy(b)
	var urls []*url.URL
	for _, s := range []string{
		"https://svc7.example.com/v1/items/42?x=1",
		"https://api.openai.com/v1/chat/completions",
		"https://a.b.tools.example.org:8443/run",
		"http://10.2.3.4:8080/metrics",
		"https://login.corp.internal/oauth2/token",
		"https://evil.example.com/",            // refused
		"http://169.254.169.254/latest/",       // refused
		"https://svc3.example.com/v1/../admin", // refused
	} {
		u, err := url.Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		urls = append(urls, u)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, _ = p.Check(urls[i%len(urls)])
	}
}

func loopbackBench(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	b.Cleanup(srv.Close)
	return srv
}

func runGets(b *testing.B, do func(*http.Request) (*http.Response, error), u string) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func BenchmarkDoLoopback(b *testing.B) {
	srv := loopbackBench(b)
	p := mustPolicy(b, []Rule{{Name: "l", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{port(b, srv)}, Zone: "loop"}}, []Zone{loopZone})
	c := mustClient(b, Options{Policy: p})
	runGets(b, c.Do, srv.URL+"/bench")
}

func BenchmarkDoLoopbackDirect(b *testing.B) {
	srv := loopbackBench(b)
	hc := &http.Client{Transport: &http.Transport{}}
	b.Cleanup(hc.CloseIdleConnections)
	runGets(b, hc.Do, srv.URL+"/bench")
}
