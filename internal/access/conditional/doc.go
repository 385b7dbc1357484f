// Package conditional evaluates conditional access policies: rules over
// who is asking, from where, on what device, at what risk and at what time,
// written as CEL expressions (https://cel.dev), compiled once when the
// policies are loaded and evaluated for every request.
//
// A policy names a condition (When) and an action. The action is taken when
// the condition is true ("the policy applies"):
//
//   - allow: nothing is taken away; the policy is recorded in the decision.
//     An allow policy never overrides a more restrictive one.
//   - deny: the request is refused with the policy's Message.
//   - require_mfa: the request needs a multi-factor sign-in, optionally with
//     one of the listed acr values and no older than MaxAuthAge. When the
//     caller's sign-in already meets it, the policy is satisfied and takes
//     nothing away; otherwise the decision asks for a step-up sign-in.
//   - restrict: the request goes ahead without what the policy's
//     Restriction takes away (tools, file upload, knowledge sources or
//     knowledge with certain labels).
//
// The decision is the most restrictive outcome of all applying policies:
// deny > require_mfa > restrict > allow. Restrictions of all applying
// restrict policies are combined. When no policy applies, the outcome is
// allow: conditional access only takes away what role-based access granted.
//
// # Variables
//
// Expressions see these variables. Every one is always set; a value that is
// not known is the empty string, empty list, false or 0 as stated.
//
//	user              string  the signed-in user as ISSUER:SUBJECT, e.g. user == "corp:alice"; "" for an app's own credential
//	issuer            string  the configured name of the identity provider, e.g. issuer == "corp"
//	groups            list    groups as ISSUER:GROUP, e.g. "corp:hr-admins" in groups
//	roles             list    Palisade roles, e.g. roles.exists(r, r.startsWith("admin"))
//	app               string  the client app, e.g. app == "hr-web"
//	agent             string  the agent asked, e.g. agent == "payroll"
//	ip                string  the client address, IPv4-mapped IPv6 written as IPv4, e.g. ip == "203.0.113.7"
//	locations         list    named locations that contain ip, e.g. !("corp" in locations)
//	country           string  ISO 3166-1 alpha-2 code from the GeoIP database, "" if unknown, e.g. country in ["DE", "FR"]
//	device.compliant  bool    the device is managed and compliant (trusted source only), e.g. !device.compliant
//	risk              string  "low", "medium" or "high" (see ComputeRisk), e.g. risk == "high"
//	mfa               bool    the sign-in used multi-factor authentication, e.g. !mfa && "finance" in groups
//	acr               string  the authentication context class of the sign-in, e.g. acr != "urn:example:acr:phr"
//	auth_age_seconds  int     seconds since the sign-in; MaxInt64 if unknown, e.g. auth_age_seconds > 43200
//	time.hour         int     hour of day 0-23 in the configured time zone, e.g. time.hour < 7 || time.hour >= 19
//	time.minute       int     minute of the hour 0-59, e.g. time.hour == 12 && time.minute < 30
//	time.weekday      int     day of week, 0 = Sunday … 6 = Saturday, e.g. time.weekday == 0 || time.weekday == 6
//
// and this function besides the CEL standard library:
//
//	ip_in(ip, range)  bool    ip lies in range, a CIDR prefix or a single address,
//	                          e.g. ip_in(ip, "10.0.0.0/8"). An empty or invalid ip is
//	                          in no range. A range literal is checked when the policy is loaded.
//
// A string literal tested against locations ("corp" in locations) must name a
// configured location; a typo is a load error rather than a policy that
// never applies.
//
// # Example policies
//
// Written in the configuration's YAML form (the field names there belong to
// the configuration; here they are Policy's fields):
//
//	name: block-outside-eu
//	when: '!(country in ["DE", "FR", "NL"])'   # also true when country is unknown ("")
//	action: deny
//	message: Access is limited to the EU.
//
//	name: admins-need-phishing-resistant-mfa
//	when: '"corp:hr-admins" in groups'
//	action: require_mfa
//	acr_values: ["urn:example:acr:phr"]
//	max_auth_age: 12h
//
//	name: unmanaged-devices-no-tools
//	when: '!device.compliant'
//	action: restrict
//	restrict: {no_tools: true, deny_labels: ["confidential"]}
//
//	name: risky-sign-in
//	when: 'risk == "high" || (risk == "medium" && !mfa)'
//	action: deny
//
//	name: office-hours
//	when: '!("corp" in locations) && (time.hour < 7 || time.hour >= 19 || time.weekday == 0 || time.weekday == 6)'
//	action: require_mfa
//
// # Failing closed
//
// The country is "" when no GeoIP database is configured, the address is not
// in it, or the lookup fails. Whether an unknown country is let through is
// the policy author's choice, so write it down. An allow-list such as
// `!(country in ["DE", "FR"])` is true for "" and so denies unknown
// countries (fails closed); a block-list such as `country in ["KP", "IR"]`
// lets them through unless it says `|| country == ""`.
//
// A policy whose expression fails at run time (an out-of-range index, an
// integer overflow, an invalid range given to ip_in, or more work than
// Options.CostLimit allows) is treated as applying with the outcome deny; the
// decision's Reason says that the policy could not be evaluated and Errors
// carries the detail for the audit log.
//
// Expressions longer than MaxExpressionLength are refused when the policies are
// loaded, as are expressions that do not type-check as bool, use unknown
// variables or functions, or are not valid CEL.
package conditional
