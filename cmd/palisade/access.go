package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/config"
)

// loadConfig reads a configuration file with ${env:NAME} references and
// the checks that need other packages (access policies compile).
func loadConfig(path string) (*config.Config, error) {
	return configLoader(nil).Load(path)
}

// configLoader is the loader used by every command; env nil means the
// process environment.
func configLoader(env func(string) (string, bool)) *config.Loader {
	return &config.Loader{
		Resolvers: map[string]config.Resolver{config.SchemeEnv: config.EnvResolver(env)},
		Checks:    []config.Check{checkAccessPolicies, checkGuard, checkEgress, checkTools},
	}
}

// checkAccessPolicies compiles each conditional access policy on its own,
// so that a problem is reported at its policy's line.
func checkAccessPolicies(c *config.Config) []config.Problem {
	locs, err := accessLocations(c.Access)
	if err != nil {
		return []config.Problem{{Path: "access.locations", Message: err.Error()}}
	}
	var ps []config.Problem
	for i, p := range c.Access.Policies {
		if _, err := conditional.New(conditional.Options{Policies: []conditional.Policy{accessPolicy(p)}, Locations: locs}); err != nil {
			ps = append(ps, config.Problem{Path: fmt.Sprintf("access.policies[%d].when", i), Message: err.Error()})
		}
	}
	return ps
}

// buildConditions makes the conditional access engine, or nil when no
// policy is configured, and the GeoIP database (nil without one). The
// returned close releases the database.
func buildConditions(a config.Access) (*conditional.Engine, conditional.GeoIP, func() error, error) {
	noop := func() error { return nil }
	var geo conditional.GeoIP
	closer := noop
	if a.GeoIPDatabase != "" {
		db, err := conditional.OpenMMDB(a.GeoIPDatabase)
		if err != nil {
			return nil, nil, noop, fmt.Errorf("access.geoip_database: %w", err)
		}
		geo, closer = db, db.Close
	}
	if len(a.Policies) == 0 {
		return nil, geo, closer, nil
	}
	opts := conditional.Options{TimeZone: time.UTC, GeoIP: geo}
	var err error
	if opts.Locations, err = accessLocations(a); err != nil {
		return nil, nil, closer, err
	}
	for _, c := range a.AnonymousNetworks {
		p, err := config.ParsePrefix(c)
		if err != nil {
			return nil, nil, closer, fmt.Errorf("access.anonymous_networks: %w", err)
		}
		opts.AnonymousNetworks = append(opts.AnonymousNetworks, p)
	}
	if a.TimeZone != "" {
		if opts.TimeZone, err = time.LoadLocation(a.TimeZone); err != nil {
			return nil, nil, closer, fmt.Errorf("access.time_zone: %w", err)
		}
	}
	for _, p := range a.Policies {
		opts.Policies = append(opts.Policies, accessPolicy(p))
	}
	e, err := conditional.New(opts)
	if err != nil {
		return nil, nil, closer, fmt.Errorf("access policies: %w", err)
	}
	return e, geo, closer, nil
}

func accessLocations(a config.Access) ([]conditional.Location, error) {
	var out []conditional.Location
	for _, l := range a.Locations {
		loc := conditional.Location{Name: l.Name}
		for _, c := range l.CIDRs {
			p, err := config.ParsePrefix(c)
			if err != nil {
				return nil, fmt.Errorf("location %s: %w", l.Name, err)
			}
			loc.CIDRs = append(loc.CIDRs, p)
		}
		out = append(out, loc)
	}
	return out, nil
}

func accessPolicy(p config.AccessPolicy) conditional.Policy {
	r := p.Restrict
	return conditional.Policy{
		Name: p.Name, When: p.When, Action: p.Action, Message: p.Message,
		MaxAuthAge: p.MaxAuthAge.D(), ACRValues: p.ACRValues,
		Restrict: conditional.Restriction{NoTools: r.NoTools, NoFileUpload: r.NoFileUpload, NoKnowledge: r.NoKnowledge,
			DenyTools: r.DenyTools, DenyLabels: r.DenyLabels},
	}
}

// trustedProxies reads server.trusted_proxies.
func trustedProxies(c *config.Config) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.Server.TrustedProxies {
		p, err := config.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("server.trusted_proxies: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
