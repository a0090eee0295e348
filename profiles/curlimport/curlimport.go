package curlimport

import (
	"errors"
	"siphon/profiles"
)

// Result is a profile made from a curl command.
type Result struct {
	YAML  []byte   // the profile, ready to save; secrets only as ${VAR} references
	Vars  []Var    // variables the user must export, in order of appearance
	Notes []string // what was dropped or guessed, one line each
}

// Var is an environment variable the profile reads.
type Var struct {
	Name string // a valid shell name, unique in the Result
	Why  string // what it holds and where it was found
	// Value is the value found in the command, so that the CLI can offer
	// `export NAME=...`. It is never written to the YAML. It is empty when
	// the command had none: it read $NAME from the environment, computed
	// it with $(...), or curl would have asked for it.
	Value string
}

// Parse reads a curl command line as pasted (bash or Windows cmd syntax,
// over several lines, with or without the leading "curl") and builds a
// profile named name; an empty name is derived from the host.
func Parse(command, name string) (*Result, error) {
	if name != "" {
		if err := checkName(name); err != nil {
			return nil, err
		}
	}
	words, notes, err := splitCommand(command)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errors.New("the command is empty: paste a curl command, e.g. curl https://api.example.com/items")
	}
	b := &builder{req: parseArgs(words), reg: newRegistry(), notes: notes}
	p, err := b.build(name)
	if err != nil {
		return nil, err
	}
	b.reg.assignNames(p.name)
	vars := b.reg.vars()
	return &Result{YAML: render(p, vars), Vars: vars, Notes: unique(b.notes)}, nil
}

func checkName(name string) error { return profiles.CheckName(name) }

// unique drops repeated notes, keeping the first of each.
func unique(notes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range notes {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
