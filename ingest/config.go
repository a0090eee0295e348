package ingest

import "siphon/ingest/spec"

// The profile configuration lives in package spec, as plain data every
// layer of ingest can read; these names keep ingest.Config and friends
// working for the packages built on ingest.
type (
	Config           = spec.Config
	PaginationConfig = spec.PaginationConfig
	RateLimitConfig  = spec.RateLimitConfig
	RetryConfig      = spec.RetryConfig
	SchemaConfig     = spec.SchemaConfig
	OutputConfig     = spec.OutputConfig
	AuthConfig       = spec.AuthConfig
	TLSConfig        = spec.TLSConfig
	Secret           = spec.Secret
	NextRequest      = spec.NextRequest
)

// Named anomalies a profile may downgrade to a warning.
const (
	AnomalyTotalMismatch    = spec.AnomalyTotalMismatch
	AnomalyRecordsElsewhere = spec.AnomalyRecordsElsewhere
)

// AnomalyNames lists them.
var AnomalyNames = spec.AnomalyNames

// Pagination styles.
const (
	PageNone       = spec.PageNone
	PageOffset     = spec.PageOffset
	PagePage       = spec.PagePage
	PageCursor     = spec.PageCursor
	PageNextURL    = spec.PageNextURL
	PageLinkHeader = spec.PageLinkHeader
	PageKeyset     = spec.PageKeyset
	PageTimestamp  = spec.PageTimestamp
)

// pagination.end_on: what ends an offset or page walk without a declared total.
const (
	EndOnEmptyPage = spec.EndOnEmptyPage
	EndOnShortPage = spec.EndOnShortPage
)

// Auth types.
const (
	AuthNone   = spec.AuthNone
	AuthAPIKey = spec.AuthAPIKey
	AuthBearer = spec.AuthBearer
	AuthBasic  = spec.AuthBasic
	AuthOAuth2 = spec.AuthOAuth2
)

// Defaults that apply when a profile leaves a field out.
const (
	DefaultTimeout        = spec.DefaultTimeout
	DefaultMaxElapsed     = spec.DefaultMaxElapsed
	DefaultInitialBackoff = spec.DefaultInitialBackoff
	DefaultMaxBackoff     = spec.DefaultMaxBackoff
	DefaultMaxRetryAfter  = spec.DefaultMaxRetryAfter
)

// DefaultRetryStatuses are the statuses retried when a profile names none.
var DefaultRetryStatuses = spec.DefaultRetryStatuses

// Redacted is what every secret value shows as.
const Redacted = spec.Redacted

// NewSecret pairs a reference with the value it resolved to.
func NewSecret(ref, value string) Secret { return spec.NewSecret(ref, value) }

// Sizes (max_body): ParseSize reads "64MiB"; SizePattern is what it takes.
const SizePattern = spec.SizePattern

// ParseSize reads a byte size such as 64MiB, 500KB or 1048576.
func ParseSize(s string) (int64, error) { return spec.ParseSize(s) }
