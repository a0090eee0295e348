package profiles

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/bodyformat"
	"siphon/ingest/paginate/styles"
	"siphon/ingest/spec"
)

// fieldTable declares every key a profile may have, once. The decoder, the
// writer (Format, Doc, and so siphon import curl), FieldText and SetField,
// docs/profiles.md's key table and docs/profile.schema.json all read it.
// Its order is the order keys are written in.
//
// A field's default is what spec.Config.ApplyDefaults puts there, unless
// def says otherwise (for defaults the decoder sets itself).
var fieldTable = []*field{
	{key: "name", kind: kText, show: showAlways, pattern: validNamePattern,
		doc: "The profile's name: lower-case letters, digits, '.', '_' and '-'. Defaults to the file name; names the output folder.",
		ptr: func(c *spec.Config) any { return &c.Name }, decode: decodedFirst},
	{key: "description", kind: kText,
		doc: "One line for listings.",
		ptr: func(c *spec.Config) any { return &c.Description }},
	{key: "base_url", kind: kURL, missing: "missing; every profile needs the API's base URL, e.g. base_url: https://api.example.com/v2",
		doc: "The API's absolute http or https URL. Credentials are only ever sent to its scheme, host and port (and to auth.token_url).",
		ptr: func(c *spec.Config) any { return &c.BaseURL }},
	{key: "path", kind: kText, secret: secretFromEnv,
		doc: "Joined to base_url.",
		ptr: func(c *spec.Config) any { return &c.Path }},
	{key: "method", kind: kEnum, options: []string{"GET", "POST"}, caseless: true, show: showAlways,
		doc: "GET or POST (any case); POST sends body as JSON.",
		ptr: func(c *spec.Config) any { return &c.Method }, decode: decodeMethod},
	{key: "params", kind: kValues, secret: secretByName,
		doc: "Query parameters sent with every request: name to string or number.",
		ptr: func(c *spec.Config) any { return &c.Params }, decode: decodeParams, write: writeParams},
	{key: "headers", kind: kMap, secret: secretByName,
		doc: "Request headers: name to string. Names ignore case.",
		ptr: func(c *spec.Config) any { return &c.Headers }, decode: decodeHeaders, write: writeHeaders},
	{key: "body", kind: kJSON, secret: secretFromEnv,
		doc: "The JSON body of a POST, written as YAML. Integers keep every digit.",
		ptr: func(c *spec.Config) any { return &c.Body }, decode: decodeBody, write: writeBody},

	{key: "auth", kind: kSection, show: showAlways, doc: "Credentials: one type and that type's keys.", check: checkAuth},
	{key: "auth.type", kind: kEnum, options: authTypes, selects: true, def: spec.AuthNone, show: showAlways,
		doc: "none, api_key, bearer, basic, oauth2, aws_sigv4 (AWS Signature Version 4), login (a session from a login request) or hmac (a signature over each request). See docs/auth.md.",
		ptr: func(c *spec.Config) any { return &c.Auth.Type }},
	{key: "auth.name", kind: kName, types: is(spec.AuthAPIKey), requiredFor: is(spec.AuthAPIKey), show: showAlways,
		doc: "The header or query parameter that carries the key.",
		ptr: func(c *spec.Config) any { return &c.Auth.Name }, decode: decodeAuthName},
	{key: "auth.in", kind: kEnum, options: []string{"header", "query"}, types: is(spec.AuthAPIKey), show: showAlways,
		doc: "Where the key goes: header or query.",
		ptr: func(c *spec.Config) any { return &c.Auth.In }},
	{key: "auth.value", kind: kSecret, secret: secretRef, envSuffix: "API_KEY", types: is(spec.AuthAPIKey), requiredFor: is(spec.AuthAPIKey),
		doc: "The key.",
		ptr: func(c *spec.Config) any { return &c.Auth.Value }},
	{key: "auth.token", kind: kSecret, secret: secretRef, envSuffix: "TOKEN", types: is(spec.AuthBearer), requiredFor: is(spec.AuthBearer),
		doc: "Sent as Authorization: Bearer TOKEN.",
		ptr: func(c *spec.Config) any { return &c.Auth.Token }},
	{key: "auth.username", kind: kName, types: is(spec.AuthBasic), requiredFor: is(spec.AuthBasic), show: showAlways,
		doc: "The user name.",
		ptr: func(c *spec.Config) any { return &c.Auth.Username }},
	{key: "auth.password", kind: kSecret, secret: secretRef, envSuffix: "PASSWORD", types: is(spec.AuthBasic),
		doc: "The password; may be left out.",
		ptr: func(c *spec.Config) any { return &c.Auth.Password }},
	{key: "auth.grant", kind: kEnum, options: grants, selects: true, def: grantClientCredentials, types: is(spec.AuthOAuth2), show: showAlways,
		doc: "client_credentials, refresh_token or authorization_code.",
		ptr: func(c *spec.Config) any { return &c.Auth.Grant }},
	{key: "auth.token_url", kind: kURL, types: is(spec.AuthOAuth2), requiredFor: grants, show: showAlways,
		doc: "Where access tokens come from.",
		ptr: func(c *spec.Config) any { return &c.Auth.TokenURL }},
	{key: "auth.authorize_url", kind: kURL, types: is(spec.AuthOAuth2), grants: is(grantAuthorizationCode), requiredFor: is(grantAuthorizationCode),
		doc: "The sign-in page that siphon auth login opens.",
		ptr: func(c *spec.Config) any { return &c.Auth.AuthorizeURL }},
	{key: "auth.client_id", kind: kName, types: is(spec.AuthOAuth2), requiredFor: grants, show: showAlways,
		doc: "The OAuth2 client ID.",
		ptr: func(c *spec.Config) any { return &c.Auth.ClientID }},
	{key: "auth.client_secret", kind: kSecret, secret: secretRef, envSuffix: "CLIENT_SECRET", types: is(spec.AuthOAuth2), requiredFor: is(grantClientCredentials),
		doc: "The OAuth2 client secret; optional for public clients of the other grants.",
		ptr: func(c *spec.Config) any { return &c.Auth.ClientSecret }},
	{key: "auth.scopes", kind: kList, types: is(spec.AuthOAuth2),
		doc: "Scopes to ask for.",
		ptr: func(c *spec.Config) any { return &c.Auth.Scopes }},
	{key: "auth.refresh_token", kind: kSecret, secret: secretRef, envSuffix: "REFRESH_TOKEN", types: is(spec.AuthOAuth2),
		grants: is(grantRefreshToken, grantAuthorizationCode), requiredFor: is(grantRefreshToken, grantAuthorizationCode),
		doc: "The refresh token. With authorization_code only file:PATH, which siphon auth login writes (and keeps current when the server rotates it).",
		ptr: func(c *spec.Config) any { return &c.Auth.RefreshToken }, decode: decodeRefreshToken},
	{key: "auth.extra_params", kind: kMap, types: is(spec.AuthOAuth2),
		doc: "Further parameters of the token request (audience, resource...).",
		ptr: func(c *spec.Config) any { return &c.Auth.Extra }},
	{key: "auth.service", kind: kName, types: is(spec.AuthSigV4), requiredFor: is(spec.AuthSigV4), show: showAlways,
		doc: "The AWS service signed for: s3, execute-api, es, ...",
		ptr: func(c *spec.Config) any { return &c.Auth.Service }},
	{key: "auth.region", kind: kName, types: is(spec.AuthSigV4), show: showAlways,
		doc: "The AWS region (us-east-1). Default: the standard AWS settings (AWS_REGION, the shared config file).",
		ptr: func(c *spec.Config) any { return &c.Auth.Region }},
	{key: "auth.access_key_id", kind: kSecret, secret: secretRef, envSuffix: "AWS_ACCESS_KEY_ID", types: is(spec.AuthSigV4),
		doc: "The access key ID; with secret_access_key, or neither: then the standard AWS chain (environment, shared files, SSO, roles) gives the credentials.",
		ptr: func(c *spec.Config) any { return &c.Auth.AccessKeyID }},
	{key: "auth.secret_access_key", kind: kSecret, secret: secretRef, envSuffix: "AWS_SECRET_ACCESS_KEY", types: is(spec.AuthSigV4),
		doc: "The secret access key.",
		ptr: func(c *spec.Config) any { return &c.Auth.SecretAccessKey }},
	{key: "auth.session_token", kind: kSecret, secret: secretRef, envSuffix: "AWS_SESSION_TOKEN", types: is(spec.AuthSigV4),
		doc: "The session token of temporary credentials; optional.",
		ptr: func(c *spec.Config) any { return &c.Auth.SessionToken }},
	{key: "auth.key", kind: kSecret, secret: secretRef, envSuffix: "HMAC_KEY", types: is(spec.AuthHMAC), requiredFor: is(spec.AuthHMAC),
		doc: "The shared key the signature is made with.",
		ptr: func(c *spec.Config) any { return &c.Auth.Key }},
	{key: "auth.algorithm", kind: kEnum, options: []string{"sha256", "sha512", "sha1"}, types: is(spec.AuthHMAC), show: showAlways,
		doc: "The HMAC hash: sha256, sha512 or sha1.",
		ptr: func(c *spec.Config) any { return &c.Auth.Algorithm }},
	{key: "auth.sign", kind: kText, types: is(spec.AuthHMAC), show: showAlways,
		doc: "What is signed: text with {method}, {path}, {query}, {target} (path and ?query), {body} and {timestamp}; \\n is a line break.",
		ptr: func(c *spec.Config) any { return &c.Auth.Sign }},
	{key: "auth.encoding", kind: kEnum, options: []string{"hex", "base64"}, types: is(spec.AuthHMAC), show: showAlways,
		doc: "How the signature is written: hex or base64.",
		ptr: func(c *spec.Config) any { return &c.Auth.Encoding }},
	{key: "auth.timestamp_header", kind: kName, types: is(spec.AuthHMAC),
		doc: "A header that carries the {timestamp} signed (X-Timestamp); none when left out.",
		ptr: func(c *spec.Config) any { return &c.Auth.TimestampHeader }},
	{key: "auth.timestamp_format", kind: kEnum, options: []string{"unix", "unix_ms", "rfc3339"}, types: is(spec.AuthHMAC), show: showAlways,
		doc: "{timestamp} as Unix seconds, Unix milliseconds or RFC 3339 (UTC).",
		ptr: func(c *spec.Config) any { return &c.Auth.TimestampFormat }},
	{key: "auth.login", kind: kSection, types: is(spec.AuthLogin), requiredFor: is(spec.AuthLogin),
		doc: "The login request, sent to base_url's origin: its answer holds the session token. Secrets in it only as references."},
	{key: "auth.login.method", kind: kEnum, options: []string{"GET", "POST"}, caseless: true, show: showAlways,
		doc: "GET or POST.",
		ptr: func(c *spec.Config) any { return &c.Auth.Login.Method }, decode: decodeLoginMethod},
	{key: "auth.login.path", kind: kText, show: showAlways,
		doc: "Joined to base_url (/auth/login).",
		ptr: func(c *spec.Config) any { return &c.Auth.Login.Path }},
	{key: "auth.login.headers", kind: kMap, secret: secretByName,
		doc: "Headers of the login request; credential-named ones only as references.",
		ptr: func(c *spec.Config) any { return &c.Auth.Login.Headers }, decode: decodeLoginHeaders, write: writeLoginHeaders},
	{key: "auth.login.body", kind: kJSON,
		doc: "The login's body, written as YAML: sent as JSON, or as a form when headers give Content-Type: application/x-www-form-urlencoded. The password only as a ${VAR}, file:PATH or cmd:COMMAND reference.",
		ptr: func(c *spec.Config) any { return &c.Auth.Login.Body }, decode: decodeLoginBody, write: writeLoginBody},
	{key: "auth.token_path", kind: kJQ, types: is(spec.AuthLogin), requiredFor: is(spec.AuthLogin), or: "cookie",
		doc: "jq to the session token in the login's JSON answer (.access_token). Required unless cookie is given.",
		ptr: func(c *spec.Config) any { return &c.Auth.TokenPath }},
	{key: "auth.cookie", kind: kName, types: is(spec.AuthLogin),
		doc: "The cookie the login sets that holds the session; sent back as that cookie.",
		ptr: func(c *spec.Config) any { return &c.Auth.Cookie }},
	{key: "auth.expires_in_path", kind: kJQ, types: is(spec.AuthLogin),
		doc: "jq to the token's lifetime in seconds in the login's answer (.expires_in): siphon logs in again shortly before. Without it, only a 401 does.",
		ptr: func(c *spec.Config) any { return &c.Auth.ExpiresInPath }},
	{key: "auth.header", kind: kName, types: is(spec.AuthLogin, spec.AuthHMAC), requiredFor: is(spec.AuthHMAC),
		doc: "login: the header the token goes in (default Authorization); hmac: the header the signature goes in (X-Signature).",
		ptr: func(c *spec.Config) any { return &c.Auth.Header }},
	{key: "auth.prefix", kind: kText, types: is(spec.AuthLogin, spec.AuthHMAC),
		doc: "Written before the token or signature in header. login default: \"Bearer \" in Authorization, else none.",
		ptr: func(c *spec.Config) any { return &c.Auth.Prefix }},

	{key: "tls", kind: kSection, show: showAlways, doc: "TLS settings; paths are relative to the profile's folder.", check: checkTLS},
	{key: "tls.ca_file", kind: kFile,
		doc: "PEM file of the CAs to trust instead of the system's.",
		ptr: func(c *spec.Config) any { return &c.TLS.CAFile }},
	{key: "tls.cert_file", kind: kFile,
		doc: "PEM client certificate for mutual TLS; needs key_file.",
		ptr: func(c *spec.Config) any { return &c.TLS.CertFile }},
	{key: "tls.key_file", kind: kFile,
		doc: "PEM private key of cert_file.",
		ptr: func(c *spec.Config) any { return &c.TLS.KeyFile }},
	{key: "tls.insecure_skip_verify", kind: kBool, show: showAlways,
		doc: "Do not check the server's certificate. Dangerous: for local tests only.",
		ptr: func(c *spec.Config) any { return &c.TLS.InsecureSkipVerify }},

	{key: "records", kind: kJQ, show: showAlways,
		doc: "jq expression giving the records: an array, or a stream of records.",
		ptr: func(c *spec.Config) any { return &c.Records }},
	{key: "format", kind: kEnum, options: bodyformat.Names(), caseless: true,
		doc: "How bodies are written: json, ndjson, xml, csv or tsv. Default: from each response's Content-Type (XML types, text/csv, text/tab-separated-values, NDJSON types; JSON otherwise). xml maps an element to a key, a repeated element to an array, an attribute to \"@name\", text beside children to \"#text\", and drops namespaces; csv and tsv key each row by the header row, values as strings. A .gz or .zip body is unpacked first.",
		ptr: func(c *spec.Config) any { return &c.Format }},
	{key: "primary_key", kind: kKeys,
		doc: "The record field, or list of fields, that identifies a record; used to drop repeats.",
		ptr: func(c *spec.Config) any { return &c.PrimaryKey }, decode: decodePrimaryKey, write: writePrimaryKey},
	{key: "error_when", kind: kJQ,
		doc: "jq over a 2xx page: truthy means the API answered an error in the body. Default: ok: false, a non-empty errors array, or an error or fault field, on a page without records.",
		ptr: func(c *spec.Config) any { return &c.ErrorWhen }},
	{key: "error_message", kind: kJQ,
		doc: "jq to the API's message on such a page. Default: errors[].message, error.message or error.reason, error, fault.faultstring.",
		ptr: func(c *spec.Config) any { return &c.ErrorMessage }},
	{key: "anomalies", kind: kMap,
		doc: "What a run does on a named anomaly: fail (the default) or warn. Names: total_mismatch (fewer records than the API's declared total), records_elsewhere (page 1 has no records at records but arrays of objects elsewhere).",
		ptr: func(c *spec.Config) any { return &c.Anomalies }, decode: decodeAnomalies},

	{key: "pagination", kind: kSection, show: showAlways, doc: "How to get the next page: one type and that type's keys."},
	{key: "pagination.type", kind: kEnum, options: styles.Names(), selects: true, def: spec.PageNone, show: showAlways,
		doc: "none, offset, page, cursor, next_url, link_header, keyset or timestamp.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Type }},
	{key: "pagination.limit", kind: kInt, show: showAlways,
		doc: "Page size sent in limit_param; 0 sends none.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Limit }},
	{key: "pagination.limit_param", kind: kName, show: showAlways,
		doc: "The parameter that carries limit.",
		ptr: func(c *spec.Config) any { return &c.Pagination.LimitParam }},
	{key: "pagination.in", kind: kEnum, options: []string{"query", "body"}, show: showIfNotDefault,
		doc: "Where the pagination parameters go: query, or body (merged into a POST's JSON body; dotted names nest).",
		ptr: func(c *spec.Config) any { return &c.Pagination.In }},
	{key: "pagination.max_pages", kind: kInt, show: showAlways,
		doc: "Stop after this many pages (resumable); 0: no limit.",
		ptr: func(c *spec.Config) any { return &c.Pagination.MaxPages }},
	{key: "pagination.offset_param", kind: kName, types: is(spec.PageOffset), show: showAlways, selector: true,
		doc: "The parameter that carries the offset.",
		ptr: func(c *spec.Config) any { return &c.Pagination.OffsetParam }},
	{key: "pagination.end_on", kind: kEnum, options: []string{spec.EndOnEmptyPage, spec.EndOnShortPage}, types: is(spec.PageOffset, spec.PagePage), show: showIfNotDefault,
		doc: "What ends the walk when no declared total does: empty_page (one request more; a short page before it is reported and the walk goes on, as APIs that hide records on some pages need) or short_page (a page shorter than an earlier one, for APIs known to fill every page).",
		ptr: func(c *spec.Config) any { return &c.Pagination.EndOn }},
	{key: "pagination.restart", kind: kSection, types: is(spec.PageOffset, spec.PagePage), show: showIfSet,
		doc: "Gets past an API's deep-paging cap: before a request would reach past after records (offset + limit > after), or when the API answers with its cap error, the walk starts again from its first page with params added, each ${last.FIELD} the field of the last record written. The records at the boundary come again and are dropped by primary_key (required), as is pagination.limit. Checkpointed: a run resumes across restarts."},
	{key: "pagination.restart.after", kind: kInt, min: 1, show: showAlways,
		doc: "The records the API serves in one walk (Zendesk 10000, Elasticsearch max_result_window); at least limit.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Restart.After }},
	{key: "pagination.restart.params", kind: kMap, show: showAlways,
		doc: "Parameters a restarted walk adds, filtering past the last record: {id_gte: \"${last.id}\"} (the API must then order by that field). ${last.FIELD} (dotted for nested fields) is the only reference filled in.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Restart.Params }, decode: decodeRestartParams, write: writeRestartParams},
	{key: "pagination.restart.on_error", kind: kSection, show: showIfSet,
		doc: "The error answer that means the cap is reached, when the API's is not one of the common ones (a 400 or 422 saying \"pagination limit\", \"result window is too large\", max_result_window, or an offset that exceeds its maximum). Setting it replaces them."},
	{key: "pagination.restart.on_error.status", kind: kInt, min: 400,
		doc: "The HTTP status of the cap error, 400 to 599 (a 200 is a page: error_when reads errors in 200 bodies); unset: any 4xx or 5xx with the message.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Restart.OnError.Status }},
	{key: "pagination.restart.on_error.message", kind: kText,
		doc: "Text the error's body holds (case-insensitive); unset: any body with the status.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Restart.OnError.Message }},
	{key: "pagination.page_param", kind: kName, types: is(spec.PagePage), show: showAlways, selector: true,
		doc: "The parameter that carries the page number.",
		ptr: func(c *spec.Config) any { return &c.Pagination.PageParam }},
	{key: "pagination.start_page", kind: kInt, min: 1, types: is(spec.PagePage), show: showAlways,
		doc: "The first page's number.",
		ptr: func(c *spec.Config) any { return &c.Pagination.StartPage }, decode: decodeStartPage},
	{key: "pagination.cursor_param", kind: kName, types: is(spec.PageCursor), show: showAlways, selector: true,
		doc: "The parameter that carries the next cursor.",
		ptr: func(c *spec.Config) any { return &c.Pagination.CursorParam }},
	{key: "pagination.cursor_path", kind: kJQ, types: is(spec.PageCursor), requiredFor: is(spec.PageCursor), or: "cursor_header", show: showIfSet, selector: true,
		doc: "jq into the body for the next cursor; none (null, empty) ends the run. Required unless cursor_header is given.",
		ptr: func(c *spec.Config) any { return &c.Pagination.CursorPath }},
	{key: "pagination.next_url_path", kind: kJQ, types: is(spec.PageNextURL), requiredFor: is(spec.PageNextURL), or: "next_url_header", show: showIfSet, selector: true,
		doc: "jq into the body for the next page's URL, absolute or relative. Required unless next_url_header is given.",
		ptr: func(c *spec.Config) any { return &c.Pagination.NextURLPath }},
	{key: "pagination.rel", kind: kName, types: is(spec.PageLinkHeader), show: showAlways, selector: true,
		doc: "The relation of the Link header (RFC 8288) to follow.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Rel }},
	{key: "pagination.param", kind: kName, types: is(spec.PageKeyset, spec.PageTimestamp), show: showAlways, selector: true,
		doc: "The parameter that carries the last key or time seen.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Param }},
	{key: "pagination.field", kind: kName, types: is(spec.PageKeyset, spec.PageTimestamp), show: showAlways, selector: true,
		doc: "The record field whose largest value on a page is sent as param.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Field }},
	{key: "pagination.start", kind: kStart, types: is(spec.PageOffset, spec.PageKeyset, spec.PageTimestamp),
		doc: "The first position: an offset (offset), a key (keyset) or an RFC 3339 time (timestamp).",
		ptr: func(c *spec.Config) any { return &c.Pagination.Start }, decode: decodeStart, write: writeStart},
	{key: "pagination.inclusive", kind: kBool, types: is(spec.PageTimestamp), show: showAlways,
		doc: "The API returns field >= param (not >); records on the boundary are then dropped as repeats.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Inclusive }},
	{key: "pagination.stop_when", kind: kJQ,
		doc: "jq over a page: truthy means it is the last (e.g. .has_more | not, .end_of_stream). Any type.",
		ptr: func(c *spec.Config) any { return &c.Pagination.StopWhen }},
	{key: "pagination.cursor_header", kind: kName, types: is(spec.PageCursor),
		doc: "A response header that carries the next cursor (X-Next-Cursor), instead of cursor_path.",
		ptr: func(c *spec.Config) any { return &c.Pagination.CursorHeader }},
	{key: "pagination.next_url_header", kind: kName, types: is(spec.PageNextURL),
		doc: "A response header that carries the next page's URL (X-Continuation), instead of next_url_path.",
		ptr: func(c *spec.Config) any { return &c.Pagination.NextURLHeader }},
	{key: "pagination.cursor_repeats", kind: kBool, types: is(spec.PageCursor),
		doc: "The cursor stays the same from page to page (a scroll id): not a loop; the walk ends on a page without records.",
		ptr: func(c *spec.Config) any { return &c.Pagination.CursorRepeats }},
	{key: "pagination.next", kind: kSection, show: showIfSet,
		doc: "What requests after the first are, when they differ (two-phase pagination: a scroll, an export's continue endpoint). Keys left out keep the first request's."},
	{key: "pagination.next.path", kind: kText, secret: secretFromEnv,
		doc: "Joined to base_url.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.Path }},
	{key: "pagination.next.method", kind: kEnum, options: []string{"GET", "POST"}, caseless: true,
		doc: "GET or POST.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.Method }, decode: decodeNextMethod},
	{key: "pagination.next.params", kind: kValues, secret: secretByName, show: showAlways,
		doc: "Query parameters of follow-ups, instead of params ({} sends none).",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.Params }, decode: decodeNextParams, write: writeNextParams},
	{key: "pagination.next.headers", kind: kMap, secret: secretByName,
		doc: "Headers added to follow-ups (sent to base_url's origin only).",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.Headers }, decode: decodeNextHeaders, write: writeNextHeaders},
	{key: "pagination.next.body", kind: kJSON, secret: secretFromEnv,
		doc: "The JSON body of follow-ups, instead of body.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.Body }, decode: decodeNextBody, write: writeNextBody},
	{key: "pagination.next.in", kind: kEnum, options: []string{"query", "body", "header"},
		doc: "Where the cursor goes in follow-ups: query, body or header. Default: pagination.in.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.In }},
	{key: "pagination.next.cursor_param", kind: kName,
		doc: "The name the cursor goes under in follow-ups. Default: pagination.cursor_param.",
		ptr: func(c *spec.Config) any { return &c.Pagination.Next.CursorParam }},
	{key: "pagination.total_pages_path", kind: kJQ, types: is(spec.PagePage), selector: true,
		doc: "Optional jq to the number of pages, to stop on the last.",
		ptr: func(c *spec.Config) any { return &c.Pagination.TotalPagesPath }},
	{key: "pagination.total_path", kind: kJQ, types: is(spec.PageOffset, spec.PagePage), selector: true,
		doc: "Optional jq to the number of records, to stop at the end and check the count.",
		ptr: func(c *spec.Config) any { return &c.Pagination.TotalPath }},

	{key: "rate_limit", kind: kSection, show: showAlways, doc: "The client-side request budget.", check: checkRateLimit},
	{key: "rate_limit.requests_per_second", kind: kNumber, show: showAlways,
		doc: "Requests a second; 0: no client-side budget.",
		ptr: func(c *spec.Config) any { return &c.RateLimit.RequestsPerSecond }},
	{key: "rate_limit.requests_per_minute", kind: kNumber, show: showNever,
		doc:    "The same budget per minute; give one of the two.",
		decode: decodePerMinute},
	{key: "rate_limit.burst", kind: kInt, min: 1, show: showAlways,
		doc: "Requests that may go at once before the budget applies.",
		ptr: func(c *spec.Config) any { return &c.RateLimit.Burst }},
	{key: "rate_limit.respect_headers", kind: kBool, negate: true, show: showAlways,
		doc: "Pace by Retry-After and the server's rate-limit headers (X-RateLimit-*, RateLimit-*).",
		ptr: func(c *spec.Config) any { return &c.RateLimit.IgnoreHeaders }},

	{key: "retry", kind: kSection, show: showAlways, doc: "When and how a failed request is tried again.", check: checkRetry},
	{key: "retry.max_elapsed", kind: kDuration, show: showAlways,
		doc: "How long one page may spend retrying, waits included; then the run fails (resumable). The limit that matters: it outlasts an API's lock-out.",
		ptr: func(c *spec.Config) any { return &c.Retry.MaxElapsed }},
	{key: "retry.max_attempts", kind: kInt, min: 1,
		doc: "Attempts in all, the first included; unset: no count, max_elapsed decides. When set, whichever limit comes first stops.",
		ptr: func(c *spec.Config) any { return &c.Retry.MaxAttempts }},
	{key: "retry.initial_backoff", kind: kDuration, show: showAlways,
		doc: "The longest first wait: each retry waits a random time up to it, doubled per attempt (full jitter).",
		ptr: func(c *spec.Config) any { return &c.Retry.InitialBackoff }},
	{key: "retry.max_backoff", kind: kDuration, show: showAlways,
		doc: "The cap of that doubling. A Retry-After from the server is waited instead, up to max_retry_after.",
		ptr: func(c *spec.Config) any { return &c.Retry.MaxBackoff }},
	{key: "retry.on_status", kind: kStatuses, show: showAlways,
		doc: "The HTTP statuses retried; [] retries none (network errors still are).",
		ptr: func(c *spec.Config) any { return &c.Retry.OnStatus }, decode: decodeStatuses, write: writeStatuses},
	{key: "retry.max_retry_after", kind: kDuration, show: showAlways,
		doc: "A longer Retry-After or rate-limit reset stops the run instead of waiting.",
		ptr: func(c *spec.Config) any { return &c.Retry.MaxRetryAfter }},

	{key: "timeout", kind: kDuration, show: showAlways,
		doc: "Per request.",
		ptr: func(c *spec.Config) any { return &c.Timeout }},
	{key: "max_body", kind: kText, pattern: spec.SizePattern,
		doc: "The largest response body held whole (`64MiB`, `500KB`, bytes): only for a records or pagination expression that is not a plain path; plain paths stream bodies up to max_body_unpacked. Default 64MiB.",
		ptr: func(c *spec.Config) any { return &c.MaxBody }, decode: decodeMaxBody},
	{key: "max_record", kind: kText, pattern: spec.SizePattern,
		doc: "The largest single record (`64MiB`, `500KB`, bytes): a larger record fails its page, naming it. Default 64MiB.",
		ptr: func(c *spec.Config) any { return &c.MaxRecord }, decode: decodeSize(func(c *spec.Config) *string { return &c.MaxRecord })},
	{key: "max_body_unpacked", kind: kText, pattern: spec.SizePattern,
		doc: "The largest response body as read, after decompression (Content-Encoding gzip, deflate or br, and a .gz or .zip file the body is): a larger one, or one that unpacks to more than 100 times its compressed size once past 8MiB (a decompression bomb), fails its page. Default 4GiB.",
		ptr: func(c *spec.Config) any { return &c.MaxBodyUnpacked }, decode: decodeSize(func(c *spec.Config) *string { return &c.MaxBodyUnpacked })},
	{key: "allowed_hosts", kind: kHosts,
		doc: "Hosts (host or host:port) a next page may lead to besides base_url's; they get no credentials.",
		ptr: func(c *spec.Config) any { return &c.AllowedHosts }, decode: decodeAllowedHosts},

	{key: "schema", kind: kSection, show: showAlways, doc: "What to do when records change shape."},
	{key: "schema.on_drift", kind: kEnum, options: []string{"warn", "fail"}, show: showAlways,
		doc: "On new, vanished or retyped fields: warn once per change, or fail.",
		ptr: func(c *spec.Config) any { return &c.Schema.OnDrift }},
	{key: "schema.file", kind: kFile,
		doc: "A JSON Schema every record must match.",
		ptr: func(c *spec.Config) any { return &c.Schema.File }},
	{key: "schema.on_invalid", kind: kEnum, options: []string{"reject", "fail"}, show: showAlways,
		doc: "A record that fails schema.file: reject (to rejected.jsonl, with the reason) or fail.",
		ptr: func(c *spec.Config) any { return &c.Schema.OnInvalid }},

	{key: "partitions", kind: kSection, doc: "Split the data into partitions walked on their own, several at once: exactly one of ints, dates, values, from. Requests use ${partition.start} and ${partition.end} (ints, dates) or ${partition.value} (values, from) in path, params, headers or body. See docs/partitions.md.", check: checkPartitions},
	{key: "partitions.ints", kind: kSection, doc: "Integer windows [start, end) of every each."},
	{key: "partitions.ints.start", kind: kInt,
		doc: "The first window's start.",
		ptr: func(c *spec.Config) any { return &c.Partitions.Ints.Start }},
	{key: "partitions.ints.end", kind: kInt,
		doc: "The end of the last window (not included).",
		ptr: func(c *spec.Config) any { return &c.Partitions.Ints.End }},
	{key: "partitions.ints.every", kind: kInt, min: 1,
		doc: "The width of a window.",
		ptr: func(c *spec.Config) any { return &c.Partitions.Ints.Every }},
	{key: "partitions.dates", kind: kSection, doc: "Time windows [start, end) of every each."},
	{key: "partitions.dates.start", kind: kText,
		doc: "The first window's start, RFC 3339 (2024-01-01T00:00:00Z).",
		ptr: func(c *spec.Config) any { return &c.Partitions.Dates.Start }},
	{key: "partitions.dates.end", kind: kText,
		doc: "The end of the last window (not included), RFC 3339.",
		ptr: func(c *spec.Config) any { return &c.Partitions.Dates.End }},
	{key: "partitions.dates.every", kind: kDuration,
		doc: "The length of a window (720h, 24h).",
		ptr: func(c *spec.Config) any { return &c.Partitions.Dates.Every }},
	{key: "partitions.values", kind: kList,
		doc: "One partition per value.",
		ptr: func(c *spec.Config) any { return &c.Partitions.Values }},
	{key: "partitions.from", kind: kSection, doc: "One partition per value over another profile's records (run that profile first)."},
	{key: "partitions.from.profile", kind: kName,
		doc: "The other profile, by name; its output folder is found as siphon run finds it.",
		ptr: func(c *spec.Config) any { return &c.Partitions.From.Profile }},
	{key: "partitions.from.records", kind: kJQ,
		doc: "jq applied to each of its records for the value (.full_name).",
		ptr: func(c *spec.Config) any { return &c.Partitions.From.Records }},
	{key: "concurrency", kind: kInt, min: 1,
		doc: "Requests in flight at once, under one rate budget: partitions, and pages fetched ahead (offset and page styles with a declared total); --concurrency overrides. Default 1.",
		ptr: func(c *spec.Config) any { return &c.Concurrency }},

	{key: "output", kind: kSection, show: showAlways, doc: "Where and what a run writes."},
	{key: "output.dir", kind: kText,
		doc: "The output folder, relative to the working folder; --out overrides. Default ./siphon-data/NAME.",
		ptr: func(c *spec.Config) any { return &c.Output.Dir }},
	{key: "output.raw_pages", kind: kBool, def: "true", show: showAlways,
		doc: "Keep every response body under pages/, with pages/index.jsonl.",
		ptr: func(c *spec.Config) any { return &c.Output.RawPages }},
}

// field is one key of a profile.
type field struct {
	key     string // dotted path: "pagination.cursor_path"
	kind    kind
	doc     string   // one line for the docs and the schema
	options []string // kEnum: the values
	// caseless: kEnum values may be in any case.
	caseless bool
	min      int    // kInt: the smallest value
	pattern  string // a regular expression the text must match (for the JSON Schema)
	def      string // a default the decoder sets itself (ApplyDefaults cannot tell it from zero)
	secret   secrecy
	// envSuffix names the variable a literal-secret error suggests:
	// "token" in profile orders suggests ORDERS_TOKEN.
	envSuffix string
	// types are the section's types (pagination or auth) the key belongs
	// to, grants the oauth2 grants; nil: all of them.
	types, grants []string
	// requiredFor are the types or grants that cannot do without the key,
	// or, when or names a sibling, without one of the two.
	requiredFor []string
	or          string
	missing     string // the message when a key every profile needs is absent
	selects     bool   // the key says which of its section's keys apply (type, grant)
	selector    bool   // the selector editor offers it for its pagination types
	show        show
	negate      bool // the Config field holds the opposite (respect_headers: IgnoreHeaders)

	// ptr points at the Config field the key fills: a *string, *int,
	// *float64, *bool, *time.Duration, *spec.Secret, *[]string, *[]int,
	// *map[string]string or *json.RawMessage, as the kind says.
	ptr func(c *spec.Config) any
	// decode replaces the kind's decoding, write its writing.
	decode func(d *decoder, e entry, p *Profile) bool
	write  func(f formatter, c *spec.Config) *yaml.Node
	// check runs after a section's keys are read: rules across them.
	check func(d *decoder, c *spec.Config)
}

// kind is what a key holds.
type kind int

const (
	kSection  kind = iota // a mapping of further keys
	kText                 // a string; ${VAR} expanded
	kName                 // a string that must not be empty
	kURL                  // an absolute http or https URL
	kJQ                   // a jq expression
	kEnum                 // one of options
	kInt                  // an integer, min or more
	kNumber               // a number, 0 or more
	kBool                 // true or false
	kDuration             // 30s, 250ms, 15m
	kSecret               // a ${VAR} or file:PATH reference
	kFile                 // the path of a file that exists
	kList                 // a list of strings
	kHosts                // a list of host or host:port
	kMap                  // a mapping of string to string
	kValues               // a mapping of string to string or number
	kJSON                 // any YAML value, sent as JSON
	kKeys                 // a string or a list of strings
	kStatuses             // a list of HTTP statuses
	kStart                // an integer or a string, by pagination type
)

// secrecy says whether a key may hold a secret, and how it is kept.
type secrecy int

const (
	notSecret     secrecy = iota
	secretRef             // only as a ${VAR} or file:PATH reference
	secretByName          // entries named like credentials (*token*, *key*, Authorization...) only as references
	secretFromEnv         // values of 8 or more characters taken from the environment are redacted
)

// show says when Format writes a key.
type show int

const (
	showIfSet        show = iota // when not empty or zero
	showAlways                   // always, defaults included
	showIfNotDefault             // when it differs from its default
	showNever                    // another spelling of a key that is written
)

// is lists names, for the table.
func is(names ...string) []string { return names }

// Auth types and OAuth2 grants, in the order messages list them.
var authTypes = []string{spec.AuthNone, spec.AuthAPIKey, spec.AuthBearer, spec.AuthBasic, spec.AuthOAuth2, spec.AuthSigV4, spec.AuthLogin, spec.AuthHMAC}

const (
	grantClientCredentials = "client_credentials"
	grantRefreshToken      = "refresh_token"
	grantAuthorizationCode = "authorization_code"
)

var grants = []string{grantClientCredentials, grantRefreshToken, grantAuthorizationCode}

var (
	fieldsByKey = map[string]*field{} // the table by dotted key
	fieldIndex  = map[string]int{}    // each key's place in the table, for writing in order
)

// init indexes the table (a variable's initializer cannot: the decoders
// in the table look keys up).
func init() {
	for i, f := range fieldTable {
		fieldsByKey[f.key] = f
		fieldIndex[f.key] = i
	}
}

// lookupField finds a field by its dotted key; nil when there is none.
func lookupField(key string) *field { return fieldsByKey[key] }

// children are the fields directly under section ("" for the top level),
// in table order.
func children(section string) []*field {
	var out []*field
	for _, f := range fieldTable {
		if parentKey(f.key) == section {
			out = append(out, f)
		}
	}
	return out
}

// parentKey is the section of a dotted key: "pagination" for
// "pagination.limit", "" for a top-level key.
func parentKey(key string) string {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '.' {
			return key[:i]
		}
	}
	return ""
}

// leafKey is the last part of a dotted key.
func leafKey(key string) string {
	if p := parentKey(key); p != "" {
		return key[len(p)+1:]
	}
	return key
}

// typeKey and grantKey are the selectors of a section, if it has them.
func typeKey(section string) *field  { return selectorNamed(section, "type") }
func grantKey(section string) *field { return selectorNamed(section, "grant") }

func selectorNamed(section, name string) *field {
	if f := lookupField(section + "." + name); f != nil && f.selects {
		return f
	}
	return nil
}

// appliesTo reports whether f belongs to a section whose type and grant
// are typ and grant.
func (f *field) appliesTo(typ, grant string) bool {
	return (f.types == nil || slices.Contains(f.types, typ)) && (f.grants == nil || slices.Contains(f.grants, grant))
}

// sectionState is the type and grant a config gives a section.
func sectionState(c *spec.Config, section string) (typ, grant string) {
	if t := typeKey(section); t != nil {
		typ = *t.ptr(c).(*string)
	}
	if g := grantKey(section); g != nil {
		grant = *g.ptr(c).(*string)
	}
	return typ, grant
}
