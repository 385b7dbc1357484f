package conditional

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
)

// Variable names, as written in expressions.
const (
	varUser            = "user"
	varIssuer          = "issuer"
	varGroups          = "groups"
	varRoles           = "roles"
	varApp             = "app"
	varAgent           = "agent"
	varIP              = "ip"
	varLocations       = "locations"
	varCountry         = "country"
	varDeviceCompliant = "device.compliant"
	varRisk            = "risk"
	varMFA             = "mfa"
	varACR             = "acr"
	varAuthAge         = "auth_age_seconds"
	varHour            = "time.hour"
	varMinute          = "time.minute"
	varWeekday         = "time.weekday"
)

const fnIPIn = "ip_in"

// newEnv declares the variables and functions policies may use.
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable(varUser, cel.StringType),
		cel.Variable(varIssuer, cel.StringType),
		cel.Variable(varGroups, cel.ListType(cel.StringType)),
		cel.Variable(varRoles, cel.ListType(cel.StringType)),
		cel.Variable(varApp, cel.StringType),
		cel.Variable(varAgent, cel.StringType),
		cel.Variable(varIP, cel.StringType),
		cel.Variable(varLocations, cel.ListType(cel.StringType)),
		cel.Variable(varCountry, cel.StringType),
		cel.Variable(varDeviceCompliant, cel.BoolType),
		cel.Variable(varRisk, cel.StringType),
		cel.Variable(varMFA, cel.BoolType),
		cel.Variable(varACR, cel.StringType),
		cel.Variable(varAuthAge, cel.IntType),
		cel.Variable(varHour, cel.IntType),
		cel.Variable(varMinute, cel.IntType),
		cel.Variable(varWeekday, cel.IntType),
		cel.Function(fnIPIn,
			cel.Overload("ip_in_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(ipIn))),
		cel.ParserExpressionSizeLimit(MaxExpressionLength),
	)
}

// Size bounds under which the cost of an expression is estimated when it is
// loaded. Input within them runs the untracked program of a policy whose
// estimated worst case fits the cost limit; larger input runs the program
// that tracks cost as it goes.
const (
	// maxFastList bounds groups and roles.
	maxFastList = 512
	// maxFastString bounds every string variable and list element, in bytes.
	maxFastString = 1024
)

// program is a compiled expression. guarded tracks cost and stops at the
// limit; fast, when set, does not track cost because the expression's
// estimated worst case on input within the size bounds fits the limit.
type program struct {
	fast, guarded cel.Program
}

// eval runs the fast program when small is true and there is one, the
// guarded program otherwise.
func (p program) eval(act interpreter.Activation, small bool) (ref.Val, error) {
	prg := p.guarded
	if small && p.fast != nil {
		prg = p.fast
	}
	out, _, err := prg.Eval(act)
	return out, err
}

// compile parses and checks expr, requires it to be bool, checks literal
// arguments (location names, ip_in ranges) and plans its programs.
func compile(env *cel.Env, expr string, locations map[string]bool, costLimit uint64) (program, error) {
	if len(expr) > MaxExpressionLength {
		return program{}, fmt.Errorf("expression is %d bytes long, more than the limit of %d", len(expr), MaxExpressionLength)
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return program{}, fmt.Errorf("%w", iss.Err())
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) {
		return program{}, fmt.Errorf("expression must be bool, but is %s", t)
	}
	if err := checkLiterals(ast, locations); err != nil {
		return program{}, err
	}
	var p program
	var err error
	p.guarded, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(costLimit))
	if err != nil {
		return program{}, fmt.Errorf("plan: %w", err)
	}
	est, err := env.EstimateCost(ast, sizeHints{locations: locations})
	if err == nil && est.Max <= costLimit {
		p.fast, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return program{}, fmt.Errorf("plan: %w", err)
		}
	}
	return p, nil
}

// sizeHints bounds the sizes of variables for cost estimation.
type sizeHints struct {
	locations map[string]bool
}

// EstimateSize implements checker.CostEstimator.
func (h sizeHints) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	path := n.Path()
	if len(path) == 0 {
		return nil
	}
	var s checker.SizeEstimate
	switch path[0] {
	case varGroups, varRoles:
		s = checker.SizeEstimate{Max: maxFastList}
	case varLocations:
		s = checker.SizeEstimate{Max: uint64(len(h.locations))}
	case varUser, varIssuer, varApp, varAgent, varIP, varCountry, varRisk, varACR:
		s = checker.SizeEstimate{Max: maxFastString}
	default:
		return nil
	}
	if len(path) > 1 { // list elements
		s = checker.SizeEstimate{Max: maxFastString}
	}
	return &s
}

// EstimateCallCost implements checker.CostEstimator.
func (sizeHints) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// small reports whether the input is within the size bounds the fast
// programs were estimated for.
func small(in *Input, sig *Signals) bool {
	if len(in.Groups) > maxFastList || len(in.Roles) > maxFastList {
		return false
	}
	for _, s := range [...]string{in.User, in.Issuer, in.App, in.Agent, in.ACR, sig.Country} {
		if len(s) > maxFastString {
			return false
		}
	}
	for _, l := range [...][]string{in.Groups, in.Roles} {
		for _, s := range l {
			if len(s) > maxFastString {
				return false
			}
		}
	}
	return true
}

// checkLiterals finds mistakes the type checker cannot: a string literal
// tested for membership in locations that names no location, and a literal
// range given to ip_in that does not parse.
func checkLiterals(ast *cel.Ast, locations map[string]bool) error {
	var errs []error
	nav := celast.NavigateAST(ast.NativeRep())
	calls := celast.MatchDescendants(nav, celast.KindMatcher(celast.CallKind))
	for _, c := range calls {
		call := c.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.In:
			if len(args) == 2 && args[1].Kind() == celast.IdentKind && args[1].AsIdent() == varLocations {
				if name, ok := stringLiteral(args[0]); ok && !locations[name] {
					errs = append(errs, fmt.Errorf("no location is named %q", name))
				}
			}
		case fnIPIn:
			if len(args) == 2 {
				if r, ok := stringLiteral(args[1]); ok {
					if _, err := parseRange(r); err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", fnIPIn, err))
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

func stringLiteral(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// parseRange parses a CIDR prefix or a single address, normalised like a
// location's CIDRs.
func parseRange(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid range %q: %w", s, err)
		}
		return normalisePrefix(p)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid range %q: %w", s, err)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ipIn implements ip_in(ip, range).
func ipIn(ipv, rv ref.Val) ref.Val {
	ips, ok1 := ipv.(types.String)
	rs, ok2 := rv.(types.String)
	if !ok1 || !ok2 {
		return types.NewErr("%s: arguments must be strings", fnIPIn)
	}
	p, err := parseRange(string(rs))
	if err != nil {
		return types.NewErr("%s: %v", fnIPIn, err)
	}
	a, err := netip.ParseAddr(string(ips))
	if err != nil {
		return types.False
	}
	return types.Bool(p.Contains(a.Unmap().WithZone("")))
}

// activation resolves the variables of one evaluation lazily, converting
// each at most once however many policies read it.
type activation struct {
	in   Input
	sig  Signals
	vals [numSlots]ref.Val
}

const (
	slotUser = iota
	slotIssuer
	slotGroups
	slotRoles
	slotApp
	slotAgent
	slotIP
	slotLocations
	slotCountry
	slotRisk
	slotACR
	slotAuthAge
	slotHour
	slotMinute
	slotWeekday
	numSlots
)

var activationPool = sync.Pool{New: func() any { return new(activation) }}

func newActivation(in *Input, sig *Signals) *activation {
	a := activationPool.Get().(*activation)
	a.in, a.sig = *in, *sig
	return a
}

// release clears a and returns it to the pool.
func (a *activation) release() {
	*a = activation{}
	activationPool.Put(a)
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	var slot int
	switch name {
	case varMFA:
		return types.Bool(a.in.MFA), true
	case varDeviceCompliant:
		return types.Bool(a.in.DeviceCompliant), true
	case varUser:
		slot = slotUser
	case varIssuer:
		slot = slotIssuer
	case varGroups:
		slot = slotGroups
	case varRoles:
		slot = slotRoles
	case varApp:
		slot = slotApp
	case varAgent:
		slot = slotAgent
	case varIP:
		slot = slotIP
	case varLocations:
		slot = slotLocations
	case varCountry:
		slot = slotCountry
	case varRisk:
		slot = slotRisk
	case varACR:
		slot = slotACR
	case varAuthAge:
		slot = slotAuthAge
	case varHour:
		slot = slotHour
	case varMinute:
		slot = slotMinute
	case varWeekday:
		slot = slotWeekday
	default:
		return nil, false
	}
	if v := a.vals[slot]; v != nil {
		return v, true
	}
	v := a.value(slot)
	a.vals[slot] = v
	return v, true
}

func (a *activation) value(slot int) ref.Val {
	in, sig := &a.in, &a.sig
	switch slot {
	case slotUser:
		return types.String(in.User)
	case slotIssuer:
		return types.String(in.Issuer)
	case slotGroups:
		return newStringList(in.Groups)
	case slotRoles:
		return newStringList(in.Roles)
	case slotApp:
		return types.String(in.App)
	case slotAgent:
		return types.String(in.Agent)
	case slotIP:
		if !sig.IP.IsValid() {
			return types.String("")
		}
		return types.String(sig.IP.String())
	case slotLocations:
		return newStringList(sig.Locations)
	case slotCountry:
		return types.String(sig.Country)
	case slotRisk:
		return types.String(sig.Risk)
	case slotACR:
		return types.String(in.ACR)
	case slotAuthAge:
		return types.Int(authAgeSeconds(sig.AuthAge))
	case slotHour:
		return types.Int(sig.Time.Hour())
	case slotMinute:
		return types.Int(sig.Time.Minute())
	case slotWeekday:
		return types.Int(sig.Time.Weekday())
	}
	return types.NewErr("unknown variable slot %d", slot)
}

// stringList is a CEL list of strings whose membership test ("x" in groups)
// compares strings directly rather than converting each element to a CEL
// value. Everything else is the standard list.
type stringList struct {
	traits.Lister
	elems []string
}

func newStringList(elems []string) *stringList {
	return &stringList{Lister: types.NewStringList(types.DefaultTypeAdapter, elems), elems: elems}
}

// Contains implements traits.Container.
func (l *stringList) Contains(v ref.Val) ref.Val {
	if s, ok := v.(types.String); ok {
		return types.Bool(slices.Contains(l.elems, string(s)))
	}
	return l.Lister.Contains(v)
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

var _ interpreter.Activation = (*activation)(nil)
