package secrets

import "strings"

// dbSchemes are URL schemes of databases and brokers, whose URLs with a
// password are reported at 0.9 rather than 0.8.
var dbSchemes = []string{
	"postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv",
	"redis", "rediss", "amqp", "amqps", "mssql", "sqlserver", "oracle",
	"cockroachdb", "clickhouse", "couchdb", "neo4j", "neo4j+s", "bolt", "nats",
	"memcached", "cassandra", "ldap", "ldaps", "db2", "snowflake", "kafka",
}

// urlCredentials finds URLs with a password in their user information
// ("postgres://app:s3cret@db:5432/app", "https://user:pass@host"). It is
// called at the colon of "://". The finding covers the password only, so
// that a redacted URL still shows scheme, user and host.
func (s *state) urlCredentials(p int) {
	t := s.text
	k := p
	for k > 0 && p-k < 40 && (is(t[k-1], cAlnum) || strings.IndexByte("+.-:", t[k-1]) >= 0) {
		k--
	}
	for k < p && !isLetter(t[k]) {
		k++
	}
	if k == p {
		return
	}
	scheme := t[k:p]
	if i := strings.LastIndexByte(scheme, ':'); i >= 0 {
		scheme = scheme[i+1:] // jdbc:mysql
	}
	a := p + 3
	e := a
	limit := min(len(t), a+256)
	for e < limit && urlAuthority(t[e]) {
		e++
	}
	auth := t[a:e]
	at := strings.LastIndexByte(auth, '@')
	if at <= 0 || at == len(auth)-1 {
		return
	}
	colon := strings.IndexByte(auth[:at], ':')
	if colon < 0 || colon == at-1 {
		return
	}
	pw := auth[colon+1 : at]
	if len(pw) <= 5 && only(pw, cDigit) {
		return // host:port@host, a confusing URL rather than a credential
	}
	if strings.ContainsAny(pw[:1], "$%{<[") || strings.Contains(pw, "${") || strings.Contains(pw, "{{") {
		return // a template, not a password
	}
	conf := 0.8
	for _, d := range dbSchemes {
		if len(d) == len(scheme) && equalFoldASCII(scheme, d) {
			conf = confStructured
		}
	}
	switch {
	case placeholder(pw, auth[:colon]):
		conf = confExample
	case len(pw) < 4:
		conf = 0.5
	}
	s.emit(ruleConnectionString, a+colon+1, a+at, conf)
}

// urlAuthority reports whether c may appear in a URL's authority.
func urlAuthority(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte("/?#\"'<>\\`", c) < 0
}
