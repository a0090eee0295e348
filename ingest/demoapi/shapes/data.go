package shapes

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// item is record i of the data set, before a shape dresses it in its API's
// field names. It is a pure function of the seed and i.
type item struct {
	seq     int // i+1
	created time.Time
	updated time.Time
	title   string
	person  string
	country string
	tags    []string
	amount  int64 // cents
	open    bool
}

// titles mix scripts, accents, emoji, right-to-left text and characters
// that JSON must escape.
var titles = [...]string{
	"Café crème order",
	"naïve résumé review",
	"東京タワーの見学",
	"Zürich–Genève line",
	"launch 🚀 checklist",
	"Ελληνικά δεδομένα",
	"שלום עולם",
	`quote "this" and \ that`,
	"tab\tand newline\nin title",
	"Ünïcödé ✓ done",
	"Ŝpëçïål ¢haracters ©",
	"plain ascii title",
}

var people = [...]string{"Ada Lövelace", "José Núñez", "Zoë Ørsted", "李小龙", "Ngũgĩ wa Thiong'o", "Siobhán Ní Bhriain", "Chloé Dubois"}
var countries = [...]string{"DE", "FR", "NL", "US", "JP", "BR", "IN", "KE"}
var tagSets = [...][]string{{}, {"vip"}, {"new", "eu"}, {"b2b"}, {"trial", "vip"}}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// mix is a stable 64-bit hash of the seed, a salt and i.
func (a *API) mix(salt string, i int) uint64 {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%d", a.opts.Seed, salt, i))
	return binary.BigEndian.Uint64(sum[:8])
}

// makeItem builds record i. Timestamps rise with i (ties possible every 5th
// record), so time-ordered APIs and id-ordered ones agree.
func (a *API) makeItem(i int) item {
	h := a.mix("item", i)
	created := epoch.Add(time.Duration(i/5*5)*7*time.Minute + time.Duration(i%5)*time.Second*time.Duration(h%2))
	return item{
		seq:     i + 1,
		created: created,
		updated: created.Add(time.Duration(h%86400) * time.Second),
		title:   titles[(uint64(i)+h%3)%uint64(len(titles))],
		person:  people[h%uint64(len(people))],
		country: countries[(h>>8)%uint64(len(countries))],
		tags:    tagSets[(h>>16)%uint64(len(tagSets))],
		amount:  int64(100 + (h>>24)%99900),
		open:    h%3 != 0,
	}
}

// numericID is a large stable number that rises with i.
func (a *API) numericID(base int64, i int) int64 {
	return base + int64(i)*7 + int64(a.mix("nid", i)%7)
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// alnumID is a prefix and width characters that differ per record: the
// last five spell out i in base 62 (so ids never collide), the rest vary.
func (a *API) alnumID(prefix string, width, i int) string {
	b := []byte(prefix)
	h := a.mix(prefix, i)
	for len(b) < len(prefix)+width-5 {
		b = append(b, alnum[h%62])
		h = h/62 + uint64(len(b))*0x9e3779b97f4a7c15
	}
	n := i
	for range 5 {
		b = append(b, alnum[n%62])
		n /= 62
	}
	return string(b)
}

// uuid is a stable version-4-looking UUID for record i.
func (a *API) uuid(salt string, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%d", a.opts.Seed, salt, i))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func iso(t time.Time) string { return t.Format(time.RFC3339) }

func isoMillis(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z07:00") }
