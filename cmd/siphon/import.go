package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"siphon/profiles"
	"siphon/profiles/curlimport"
)

const importUsage = `Usage:
  siphon import curl 'CMD' [--name NAME] [--save] [--profiles DIR]   turn a curl command into a profile
                                                                     (secrets become ${VAR} references)
  siphon import openapi SPEC [flags]   propose one profile per operation that lists records, from an
                                       OpenAPI 3.x or Swagger 2.0 description (YAML or JSON, file or URL)
  siphon import postman FILE [flags]   the same from a Postman collection (v2.1): one profile per request
                                       that lists records; {{variables}} from the collection, --environment
                                       and --set; credentials become ${VAR} references
  siphon import har FILE [flags]       the same from a HAR file: the requests whose recorded responses
                                       hold records, one profile per method and path

Flags of openapi, postman and har:
  --base-url URL            the API's base URL (default: the description's first server)
  --set NAME=VALUE          a path, query or header parameter's value (repeatable)
  --bearer-env VAR          send a bearer token from this environment variable
  --api-key-env VAR         send an API key from this environment variable
  --api-key-name NAME       the API key's header or query parameter name
  --basic-user USER         basic auth user name
  --basic-password-env VAR  basic auth password from this environment variable
  --only NAME               propose only this operation (operationId or proposal name; repeatable)
  --environment FILE        postman: an environment file (its secret values become ${VAR} references)
  --profiles DIR            folder of saved profiles
  --save                    save each proposal as NAME.yaml instead of printing it

When the API answers, each proposal is checked with the probe before it is offered.
`

func cmdImport(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, importUsage)
		return nil
	}
	if len(args) > 0 {
		switch args[0] {
		case "openapi", "postman", "har":
			return importSpec(args[0], args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "curl" {
		return usagef("import needs: curl '<curl command>', openapi SPEC, postman FILE or har FILE\n\n%s", importUsage)
	}
	fset := newFlags("import curl", stderr)
	name := fset.String("name", "imported", "the profile's name")
	save := fset.Bool("save", false, "save the profile into the first profiles folder instead of printing it")
	dir := fset.String("profiles", "", "folder of saved profiles")
	pos, err := parseFlags(fset, args[1:])
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("import curl takes the curl command, quoted as one argument: siphon import curl 'curl https://...'")
	}
	res, err := curlimport.Parse(strings.Join(pos, " "), *name)
	if err != nil {
		return usagef("import curl: %v", err)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	if len(res.Vars) > 0 {
		fmt.Fprintln(stderr, "The secrets of the command were replaced by references; before running, set:")
		for _, v := range res.Vars {
			fmt.Fprintf(stderr, "  export %s=...   # %s\n", v.Name, v.Why)
		}
	}
	if !*save {
		stdout.Write(res.YAML)
		return nil
	}
	dirs := profiles.Dirs(*dir)
	if len(dirs) == 0 {
		return usagef("no profiles folder: give --profiles DIR")
	}
	path := filepath.Join(dirs[0], *name+".yaml")
	if _, err := os.Stat(path); err == nil {
		return usagef("%s exists; choose another --name or remove it", path)
	}
	if err := profiles.WriteNew(path, res.YAML); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Saved %s. Next: siphon probe %s (to find the records and the pagination), then siphon run %s\n", path, *name, *name)
	return nil
}
