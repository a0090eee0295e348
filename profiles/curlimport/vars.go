package curlimport

import (
	"cmp"
	"siphon/profiles"
	"slices"
	"strconv"
	"strings"
)

// secretRef is one environment variable the profile reads: a credential
// found in the command, or a $NAME the command already read.
type secretRef struct {
	pos    int    // index of the word it came from: orders the variables
	seq    int    // registration order, to break ties
	suffix string // what follows the profile's name: TOKEN, API_KEY, COOKIE
	why    string
	value  string
	name   string // set by assignNames, or given by the command's $NAME
}

// reference is how the profile writes the variable.
func (s *secretRef) reference() string { return "${" + s.name + "}" }

// registry hands out one variable per distinct value, so that a token
// used twice is exported once.
type registry struct {
	refs  []*secretRef
	byKey map[string]*secretRef
}

func newRegistry() *registry { return &registry{byKey: map[string]*secretRef{}} }

// secret registers a credential found at pos. A value that is exactly
// $NAME in the command reuses NAME; one computed by the shell ($(cmd)) has
// no value to offer, and says how to get it.
func (g *registry) secret(pos int, suffix, why, raw string) *secretRef {
	if name, ok := onlyVariable(raw); ok {
		return g.env(pos, name, why+" (the command reads it from $"+name+")")
	}
	val := raw
	if cmd, ok := onlyCommand(raw); ok {
		val, why = "", why+"; set it to the output of: "+cmd
	} else if hasExpansion(raw) {
		val, why = shellForm(raw), why+"; the command builds it with the shell: expand what it refers to"
	}
	return g.add("value:"+raw, &secretRef{pos: pos, suffix: suffix, why: why, value: val})
}

// missing registers a credential the command does not hold (curl would
// have asked for it).
func (g *registry) missing(pos int, suffix, why string) *secretRef {
	return g.add("missing:"+strconv.Itoa(len(g.refs)), &secretRef{pos: pos, suffix: suffix, why: why})
}

// env registers a variable the command itself read ($NAME).
func (g *registry) env(pos int, name, why string) *secretRef {
	return g.add("env:"+name, &secretRef{pos: pos, why: why, name: name})
}

func (g *registry) add(key string, s *secretRef) *secretRef {
	if old, ok := g.byKey[key]; ok {
		old.pos = min(old.pos, s.pos)
		return old
	}
	s.seq = len(g.refs)
	g.refs = append(g.refs, s)
	g.byKey[key] = s
	return s
}

// lookup finds the variable already holding a credential value.
func (g *registry) lookup(raw string) *secretRef { return g.byKey["value:"+raw] }

// assignNames names the variables, in order of appearance, after the
// profile: ORDERS_TOKEN, then ORDERS_TOKEN_2 for a second one.
func (g *registry) assignNames(profile string) {
	slices.SortStableFunc(g.refs, func(a, b *secretRef) int { return cmp.Or(a.pos-b.pos, a.seq-b.seq) })
	used := map[string]bool{}
	for _, s := range g.refs {
		if s.name != "" {
			used[s.name] = true
		}
	}
	prefix := profiles.EnvName(profile)
	if prefix == "" || prefix[0] <= '9' { // a shell name cannot start with a digit
		prefix = strings.TrimSuffix("SIPHON_"+prefix, "_")
	}
	for _, s := range g.refs {
		if s.name != "" {
			continue
		}
		suffix := profiles.EnvName(s.suffix)
		if suffix == "" {
			suffix = "SECRET"
		}
		base := prefix + "_" + suffix
		name := base
		for n := 2; used[name]; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		used[name] = true
		s.name = name
	}
}

// vars lists the variables for Result, in order of appearance.
func (g *registry) vars() []Var {
	out := make([]Var, 0, len(g.refs))
	for _, s := range g.refs {
		out = append(out, Var{Name: s.name, Why: s.why, Value: s.value})
	}
	return out
}
