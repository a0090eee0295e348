package demoapi

import (
	"strconv"
	"time"
)

// The dataset is a pure function of the record id, so every run, test and
// benchmark sees the same bytes.

var (
	statuses    = [...]string{"closed", "active", "paused"} // by id % 3
	countries   = [...]string{"DE", "FR", "NL", "US", "JP", "BR", "IN"}
	tagSets     = [...][]string{{}, {"vip"}, {"new", "eu"}, {"b2b"}, {"trial", "vip"}}
	loyalty     = [...]string{"bronze", "silver", "gold"}
	createdBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	updatedBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	externalIDBase = 9007199254740993 // 2^53 + 1: a float64 cannot hold it
	counterID      = 7                // the record that carries a max int64
	counterValue   = "9223372036854775807"
)

// updatedAt is 2026-01-01T00:00:00Z plus ((id+2)/3) minutes, so ids come in
// threes sharing a timestamp.
func updatedAt(id int64) time.Time {
	return updatedBase.Add(time.Duration((id+2)/3) * time.Minute)
}

func createdAt(id int64) time.Time {
	return createdBase.Add(time.Duration(id)*time.Hour + time.Duration(id%60)*time.Second)
}

// amountCents gives an amount with a spread of cents, many ending in 0.
func amountCents(id int64) int64 {
	return 100 + (id*1250)%99900 + (id%4)*7
}

// appendRecord appends record id's JSON object to buf. drifted records have
// the amount as a string, a loyalty_tier and no tags.
func appendRecord(buf []byte, id int64, drifted bool) []byte {
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendInt(buf, id, 10)
	buf = append(buf, `,"name":"Customer `...)
	buf = appendPadded(buf, id)
	buf = append(buf, `","email":"c`...)
	buf = appendPadded(buf, id)
	buf = append(buf, `@example.test","status":"`...)
	buf = append(buf, statuses[id%3]...)
	buf = append(buf, `","amount":`...)
	if drifted {
		buf = append(buf, '"')
	}
	buf = appendAmount(buf, amountCents(id))
	if drifted {
		buf = append(buf, '"')
	}
	buf = append(buf, `,"created_at":"`...)
	buf = createdAt(id).AppendFormat(buf, time.RFC3339)
	buf = append(buf, `","updated_at":"`...)
	buf = updatedAt(id).AppendFormat(buf, time.RFC3339)
	buf = append(buf, '"')
	if !drifted {
		buf = append(buf, `,"tags":[`...)
		for i, t := range tagSets[id%int64(len(tagSets))] {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '"')
			buf = append(buf, t...)
			buf = append(buf, '"')
		}
		buf = append(buf, ']')
	}
	buf = append(buf, `,"customer":{"id":`...)
	buf = strconv.AppendInt(buf, 5000+id%97, 10)
	buf = append(buf, `,"country":"`...)
	buf = append(buf, countries[id%int64(len(countries))]...)
	buf = append(buf, `"}`...)
	if drifted {
		buf = append(buf, `,"loyalty_tier":"`...)
		buf = append(buf, loyalty[id%int64(len(loyalty))]...)
		buf = append(buf, '"')
	}
	if id == counterID {
		buf = append(buf, `,"counter":`+counterValue...)
	}
	buf = append(buf, `,"external_id":`...)
	buf = strconv.AppendInt(buf, externalIDBase+id, 10)
	return append(buf, '}')
}

// appendPadded writes id with at least four digits: 7 -> 0007.
func appendPadded(buf []byte, id int64) []byte {
	for p := int64(1000); p > 1 && id < p; p /= 10 {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, id, 10)
}

// appendAmount writes cents as a decimal with exactly two places: 1250 -> 12.50.
func appendAmount(buf []byte, cents int64) []byte {
	buf = strconv.AppendInt(buf, cents/100, 10)
	buf = append(buf, '.')
	if cents%100 < 10 {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, cents%100, 10)
}
