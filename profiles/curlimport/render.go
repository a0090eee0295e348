package curlimport

import (
	"bytes"
	"siphon/profiles"
	"strings"

	"go.yaml.in/yaml/v3"
)

// render writes the profile as YAML in the contract's key order, with a
// comment that names the variables to export.
func render(p *profile, vars []Var) []byte {
	root := mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
	root.add("name", str(p.name))
	root.node.Content[0].HeadComment = headComment(p, vars)
	root.add("description", str("Imported from a curl command"))
	root.add("base_url", str(p.baseURL.render()))
	if s := p.path.render(); s != "" {
		root.add("path", str(s))
	}
	root.add("method", str(p.method))
	if len(p.params) > 0 {
		root.add("params", fields(p.params))
	}
	if len(p.headers) > 0 {
		root.add("headers", fields(p.headers))
	}
	if p.body != nil {
		root.add("body", jsonToYAML(p.body))
	}
	if p.auth.typ != "" {
		root.add("auth", authNode(p.auth))
	}
	if p.insecure {
		tls := mapping()
		tls.add("insecure_skip_verify", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true", LineComment: "DANGER: certificates are not checked (curl -k)"})
		root.add("tls", tls.node)
	}
	records := str(".")
	records.LineComment = "placeholder: siphon probe shows where the records are"
	root.add("records", records)
	pg := mapping()
	pg.add("type", str("none"))
	pg.node.Content[1].LineComment = "placeholder: siphon probe shows next-page hints"
	root.add("pagination", pg.node)
	if p.timeout > 0 {
		root.add("timeout", str(profiles.ShortDuration(p.timeout)))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(root.node) // a tree of plain nodes encodes into memory without error
	_ = enc.Close()
	return buf.Bytes()
}

// headComment says where the profile came from and what to export.
func headComment(p *profile, vars []Var) string {
	lines := []string{"Imported from curl by siphon import curl."}
	if len(vars) > 0 {
		names := make([]string, len(vars))
		for i, v := range vars {
			names[i] = v.Name
		}
		lines = append(lines, "Export before running: "+strings.Join(names, " "))
	}
	lines = append(lines, "Then run siphon probe "+p.name+" to find records and pagination.")
	return strings.Join(lines, "\n")
}

func authNode(a authSpec) *yaml.Node {
	m := mapping()
	m.add("type", str(a.typ))
	switch a.typ {
	case "api_key":
		m.add("name", str(a.name))
		m.add("in", str(a.in))
	case "basic":
		m.add("username", str(a.username.render()))
	}
	m.add(a.secretKey(), str(a.secret.reference()))
	return m.node
}

// fields writes params or headers in the command's order.
func fields(fs []field) *yaml.Node {
	m := mapping()
	for _, f := range fs {
		m.add(shellForm(f.key), str(f.val.render()))
	}
	return m.node
}

// jsonToYAML writes the body as YAML, keeping key order and exact numbers.
func jsonToYAML(n *jsonNode) *yaml.Node {
	switch n.kind {
	case jsonObject:
		m := mapping()
		for i, k := range n.keys {
			m.add(shellForm(k), jsonToYAML(n.items[i]))
		}
		if len(n.keys) == 0 {
			m.node.Style = yaml.FlowStyle
		}
		return m.node
	case jsonArray:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, item := range n.items {
			s.Content = append(s.Content, jsonToYAML(item))
		}
		if len(n.items) == 0 {
			s.Style = yaml.FlowStyle
		}
		return s
	case jsonString:
		return str(n.str.render())
	case jsonNumber:
		if strings.ContainsAny(n.scalar, ".eE") {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: n.scalar}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: n.scalar}
	case jsonBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: n.scalar}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// mapNode builds a mapping in insertion order.
type mapNode struct{ node *yaml.Node }

func mapping() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) add(key string, v *yaml.Node) {
	m.node.Content = append(m.node.Content, str(key), v)
}

// str is a string scalar. YAML holds only text: the sources already keep
// to valid UTF-8, and this is the last guard.
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ToValidUTF8(s, "\uFFFD")}
}
