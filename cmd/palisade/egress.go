package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/egress"
)

// egressZones returns the configured zones and the built-in loopback zone.
func egressZones(c *config.Config) ([]egress.Zone, error) {
	zones := []egress.Zone{{Name: config.LoopbackZone, Prefixes: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	}}}
	for _, z := range c.Egress.Zones {
		ez := egress.Zone{Name: z.Name}
		for _, s := range z.CIDRs {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("egress zone %s: %w", z.Name, err)
			}
			ez.Prefixes = append(ez.Prefixes, p)
		}
		zones = append(zones, ez)
	}
	return zones, nil
}

// egressRule is one destination Palisade may call, with the config path
// that allows it (for error messages).
type egressRule struct {
	path string
	rule egress.Rule
}

// ruleFromURL makes the rule that allows the scheme, host, port and path
// prefix of raw (whose host may start with "*.").
func ruleFromURL(name, raw, zone string) (egress.Rule, error) {
	wild := strings.Contains(raw, "://*.")
	u, err := url.Parse(strings.Replace(raw, "://*.", "://wildcard.", 1))
	if err != nil || u.Host == "" {
		return egress.Rule{}, fmt.Errorf("not an absolute URL")
	}
	host := u.Hostname()
	if wild {
		host = "*." + strings.TrimPrefix(host, "wildcard.")
	}
	r := egress.Rule{Name: name, Schemes: []string{u.Scheme}, Host: host, PathPrefix: u.Path, Zone: zone}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return egress.Rule{}, fmt.Errorf("invalid port")
		}
		r.Ports = []int{n}
	}
	return r, nil
}

// egressRules lists every destination the configuration lets Palisade
// call: model servers, the classifier, Vault, SIEM webhooks and OTLP
// receivers, and the destinations named under egress.
func egressRules(c *config.Config, certs func(path string, d config.EgressDestination) func() (*tls.Certificate, error)) ([]egressRule, error) {
	var out []egressRule
	add := func(path, name, raw, zone string) error {
		r, err := ruleFromURL(name, raw, zone)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, egressRule{path: path, rule: r})
		return nil
	}
	withCA := func(path, caFile string) error {
		if caFile == "" {
			return nil
		}
		pool, err := loadCAFile(caFile)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out[len(out)-1].rule.RootCAs = pool
		return nil
	}
	// The destinations come first: where one ties with a destination
	// implied by another setting, its CA and client certificate apply.
	for i, d := range c.Egress.Destinations {
		p := fmt.Sprintf("egress.destinations[%d]", i)
		if err := add(p+".url", d.Name, d.URL, d.Zone); err != nil {
			return nil, err
		}
		if err := withCA(p+".ca_file", d.CAFile); err != nil {
			return nil, err
		}
		if d.ClientCertFile != "" && certs != nil {
			out[len(out)-1].rule.ClientCert = certs(p, d)
		}
	}
	for i, a := range c.Agents {
		if a.Upstream != nil {
			if err := add(fmt.Sprintf("agents[%d].upstream.url", i), "agent:"+a.Name, a.Upstream.URL, a.Upstream.Zone); err != nil {
				return nil, err
			}
		}
	}
	for i, is := range c.Identity.Issuers {
		// Discovery, keys and the token endpoint: the issuer's and the
		// key set's origins, any path. Endpoints on other hosts need an
		// egress destination.
		p := fmt.Sprintf("identity.issuers[%d]", i)
		if err := add(p+".issuer", "idp:"+is.Name, originOf(is.Issuer), is.Zone); err != nil {
			return nil, err
		}
		if originOf(is.JWKSURL) != originOf(is.Issuer) {
			if err := add(p+".jwks_url", "idp-keys:"+is.Name, originOf(is.JWKSURL), is.Zone); err != nil {
				return nil, err
			}
		}
	}
	if cl := c.Guard.Classifier; cl != nil {
		if err := add("guard.classifier.url", "guard-classifier", cl.URL, cl.Zone); err != nil {
			return nil, err
		}
	}
	if k := c.Secrets.KEK; k != nil && k.VaultTransit != nil {
		t := k.VaultTransit
		if err := add("secrets.kek.vault_transit.address", "vault-transit", t.Address, t.Zone); err != nil {
			return nil, err
		}
		if err := withCA("secrets.kek.vault_transit.ca_file", t.CAFile); err != nil {
			return nil, err
		}
	}
	if kv := c.Secrets.VaultKV; kv != nil {
		if err := add("secrets.vault_kv.address", "vault-kv", kv.Address, kv.Zone); err != nil {
			return nil, err
		}
		if err := withCA("secrets.vault_kv.ca_file", kv.CAFile); err != nil {
			return nil, err
		}
	}
	for i, w := range c.Audit.Export.Webhooks {
		if err := add(fmt.Sprintf("audit.export.webhooks[%d].url", i), "audit-export:"+w.Name, w.URL, w.Zone); err != nil {
			return nil, err
		}
	}
	for i, o := range c.Audit.Export.OTLP {
		// The URL the sink posts to: the endpoint, with /v1/logs when it
		// has no path.
		target, err := export.OTLPLogsURL(o.Endpoint)
		if err != nil {
			target = o.Endpoint // the rule reports it
		}
		if err := add(fmt.Sprintf("audit.export.otlp[%d].endpoint", i), "audit-export:"+o.Name, target, o.Zone); err != nil {
			return nil, err
		}
	}
	for i, sl := range c.Audit.Export.Syslog {
		// Raw TCP destinations are allowed as https://host:port (see
		// egress.Client.DialTCP).
		if err := add(fmt.Sprintf("audit.export.syslog[%d].address", i), "audit-export:"+sl.Name, "https://"+sl.Address+"/", sl.Zone); err != nil {
			return nil, err
		}
	}
	for i, t := range c.Tools {
		p := fmt.Sprintf("tools[%d]", i)
		u := t.URL
		if j := strings.IndexByte(u, '{'); j >= 0 {
			u = u[:j]
		}
		if err := add(p+".url", "tool:"+t.Name, u, t.Zone); err != nil {
			return nil, err
		}
		if err := withCA(p+".ca_file", t.CAFile); err != nil {
			return nil, err
		}
		if t.Auth != nil && t.Auth.OAuth2 != nil {
			if err := add(p+".auth.oauth2.token_url", "tool-token:"+t.Name, t.Auth.OAuth2.TokenURL, t.Zone); err != nil {
				return nil, err
			}
			if err := withCA(p+".ca_file", t.CAFile); err != nil {
				return nil, err
			}
		}
	}
	if o := c.Telemetry.Traces.OTLP; o.Endpoint != "" {
		// The trace collector: its endpoint URL, path included.
		if err := add(tracesPath+".endpoint", "telemetry-traces", o.Endpoint, o.Zone); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// originOf returns the scheme, host and port of raw, or raw itself when it
// is not a URL (the rule then reports it).
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host + "/"
}

// loadCAFile reads a PEM bundle of CA certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// buildEgressPolicy compiles the egress policy of the configuration;
// certs gives the client certificate of a destination with mTLS (nil
// leaves them out, for checking).
func buildEgressPolicy(c *config.Config, certs func(string, config.EgressDestination) func() (*tls.Certificate, error)) (*egress.Policy, error) {
	zones, err := egressZones(c)
	if err != nil {
		return nil, err
	}
	rules, err := egressRules(c, certs)
	if err != nil {
		return nil, err
	}
	rs := make([]egress.Rule, len(rules))
	for i, r := range rules {
		rs[i] = r.rule
	}
	return egress.NewPolicy(rs, zones)
}

// checkEgress compiles each egress rule on its own, so that a destination
// the policy refuses (an IP address in a private range without a zone, a
// reserved host name) is reported at its line.
func checkEgress(c *config.Config) []config.Problem {
	zones, err := egressZones(c)
	if err != nil {
		return []config.Problem{{Path: "egress.zones", Message: err.Error()}}
	}
	rules, err := egressRules(c, nil)
	if err != nil {
		path, msg, _ := strings.Cut(err.Error(), ": ")
		return []config.Problem{{Path: path, Message: msg}}
	}
	var ps []config.Problem
	for _, r := range rules {
		if _, err := egress.NewPolicy([]egress.Rule{r.rule}, zones); err != nil {
			msg := strings.TrimPrefix(err.Error(), "egress: ")
			msg = strings.TrimPrefix(msg, fmt.Sprintf("rule %q: ", r.rule.Name))
			ps = append(ps, config.Problem{Path: r.path, Message: "egress refuses this destination: " + msg})
		}
	}
	if len(ps) == 0 {
		if _, err := buildEgressPolicy(c, nil); err != nil {
			ps = append(ps, config.Problem{Path: "egress", Message: strings.TrimPrefix(err.Error(), "egress: ")})
		}
	}
	return ps
}

// outbound is what every outbound call is made with: the egress policy,
// and the refusal hook that audits and logs what it refuses.
type outbound struct {
	policy   *egress.Policy
	onRefuse func(ctx context.Context, e *egress.Error)
	maxBytes int64
	// secrets reads the credentials used at egress; nil refuses them.
	secrets *secretCache
}

// newOutbound builds the outbound side of a configuration. log receives a
// warning for every refused call; record, when set, audits it.
func newOutbound(c *config.Config, log *slog.Logger, record func(ctx context.Context, e *egress.Error)) (*outbound, error) {
	o := &outbound{}
	p, err := buildEgressPolicy(c, func(path string, d config.EgressDestination) func() (*tls.Certificate, error) {
		return o.clientCert(c, path, d)
	})
	if err != nil {
		return nil, err
	}
	*o = outbound{
		policy:   p,
		maxBytes: c.Egress.MaxResponseBytes,
		onRefuse: func(ctx context.Context, e *egress.Error) {
			if log != nil {
				log.Warn("egress refused", "code", e.Code, "rule", e.Rule, "url", e.URL, "reason", e.Reason)
			}
			if record != nil {
				record(ctx, e)
			}
		},
	}
	return o, nil
}

// clientCertTimeout bounds reading a client key from the secret store
// during a TLS handshake.
const clientCertTimeout = 10 * time.Second

// clientCert returns the client certificate of destination d for mutual
// TLS: the chain from its file, the key from its reference (read from the
// secret store at each handshake, through the cache, so a rotated key is
// used within a minute).
func (o *outbound) clientCert(c *config.Config, path string, d config.EgressDestination) func() (*tls.Certificate, error) {
	key := o.credential(c, path+".client_key", "egress:"+d.Name)
	if key == nil {
		literal := d.ClientKey
		key = func(context.Context) (string, error) { return literal, nil }
	}
	return func() (*tls.Certificate, error) {
		chain, err := os.ReadFile(d.ClientCertFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate of %s: %w", d.Name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), clientCertTimeout)
		defer cancel()
		pem, err := key(ctx)
		if err != nil {
			return nil, fmt.Errorf("client key of %s: %w", d.Name, err)
		}
		cert, err := tls.X509KeyPair(chain, []byte(pem))
		if err != nil {
			return nil, fmt.Errorf("client certificate of %s: the certificate and key do not form a pair", d.Name)
		}
		return &cert, nil
	}
}

// client returns an egress client with the given timeouts (zero: the
// defaults; egress.NoTimeout lifts the overall bound).
func (o *outbound) client(timeout, dial, firstByte time.Duration) (*egress.Client, error) {
	return egress.New(egress.Options{
		Policy: o.policy, Timeout: timeout, DialTimeout: dial, TLSHandshakeTimeout: dial,
		ResponseHeaderTimeout: firstByte, MaxResponseBytes: o.maxBytes, OnRefuse: o.onRefuse,
	})
}
