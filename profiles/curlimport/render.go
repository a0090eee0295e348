package curlimport

import (
	"siphon/profiles"
	"strings"

	"go.yaml.in/yaml/v3"
)

// render writes the profile through the profiles package's writer (which
// puts keys in their usual order), with a comment that names the
// variables to export. Every key set here is in the field table, so errors
// cannot happen.
func render(p *profile, vars []Var) []byte {
	doc := profiles.NewDoc()
	doc.HeadComment(headComment(p, vars))
	_ = doc.SetText("name", p.name)
	_ = doc.SetText("description", "Imported from a curl command")
	_ = doc.SetText("base_url", p.baseURL.render())
	if s := p.path.render(); s != "" {
		_ = doc.SetText("path", s)
	}
	_ = doc.SetText("method", p.method)
	if len(p.params) > 0 {
		_ = doc.Set("params", fields(p.params))
	}
	if len(p.headers) > 0 {
		_ = doc.Set("headers", fields(p.headers))
	}
	if p.body != nil {
		_ = doc.Set("body", jsonToYAML(p.body))
	}
	if p.auth.typ != "" {
		authKeys(doc, p.auth)
	}
	if p.insecure {
		_ = doc.SetText("tls.insecure_skip_verify", "true")
		doc.Comment("tls.insecure_skip_verify", "DANGER: certificates are not checked (curl -k)")
	}
	_ = doc.SetText("records", ".")
	doc.Comment("records", "placeholder: siphon probe shows where the records are")
	_ = doc.SetText("pagination.type", "none")
	doc.Comment("pagination.type", "placeholder: siphon probe shows next-page hints")
	if p.timeout > 0 {
		_ = doc.SetText("timeout", profiles.ShortDuration(p.timeout))
	}
	return doc.Bytes()
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

// authKeys sets the auth type and its keys.
func authKeys(doc *profiles.Doc, a authSpec) {
	_ = doc.SetText("auth.type", a.typ)
	switch a.typ {
	case "api_key":
		_ = doc.SetText("auth.name", a.name)
		_ = doc.SetText("auth.in", a.in)
	case "basic":
		_ = doc.SetText("auth.username", a.username.render())
	case "aws_sigv4":
		_ = doc.SetText("auth.service", a.service)
		if a.region != "" {
			_ = doc.SetText("auth.region", a.region)
		}
		if a.keyID != nil {
			_ = doc.SetText("auth.access_key_id", a.keyID.reference())
		}
		if a.sessionToken != nil {
			_ = doc.SetText("auth.session_token", a.sessionToken.reference())
		}
	}
	if a.secret != nil {
		_ = doc.SetText("auth."+a.secretKey(), a.secret.reference())
	}
}

// fields writes params or headers in the command's order.
func fields(fs []field) *yaml.Node {
	m := mappingNode()
	for _, f := range fs {
		m.Content = append(m.Content, str(shellForm(f.key)), str(f.val.render()))
	}
	return m
}

// jsonToYAML writes the body as YAML, keeping key order and exact numbers.
func jsonToYAML(n *jsonNode) *yaml.Node {
	switch n.kind {
	case jsonObject:
		m := mappingNode()
		for i, k := range n.keys {
			m.Content = append(m.Content, str(shellForm(k)), jsonToYAML(n.items[i]))
		}
		if len(n.keys) == 0 {
			m.Style = yaml.FlowStyle
		}
		return m
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

// mappingNode is an empty YAML mapping.
func mappingNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

// str is a string scalar. YAML holds only text: the sources already keep
// to valid UTF-8, and this is the last guard.
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ToValidUTF8(s, "\uFFFD")}
}
