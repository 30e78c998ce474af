package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as people write it: "250ms", "10s", "5m".
// A bare number is rejected because its unit would be a guess.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	v, err := time.ParseDuration(s)
	if err != nil {
		return &valueError{s, "invalid duration %q (write it like 250ms, 10s or 5m)"}
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Size is a number of bytes written as "512B", "1KB", "4KB" or "1MB" (binary
// units: 1KB = 1024 bytes, as DynamoDB counts item sizes). A bare number means bytes.
type Size int64

// UnmarshalText parses a size.
func (s *Size) UnmarshalText(b []byte) error {
	str := strings.TrimSpace(string(b))
	upper := strings.ToUpper(str)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(upper, u.suffix) {
			upper = strings.TrimSpace(strings.TrimSuffix(upper, u.suffix))
			mult = u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(upper, 64)
	if err != nil {
		return &valueError{str, "invalid size %q (write it like 512B, 1KB or 1MB)"}
	}
	*s = Size(f * float64(mult))
	return nil
}

// MarshalText writes the size in bytes with a unit.
func (s Size) MarshalText() ([]byte, error) {
	switch {
	case s != 0 && s%(1<<20) == 0:
		return []byte(strconv.FormatInt(int64(s)>>20, 10) + "MB"), nil
	case s != 0 && s%(1<<10) == 0:
		return []byte(strconv.FormatInt(int64(s)>>10, 10) + "KB"), nil
	}
	return []byte(strconv.FormatInt(int64(s), 10) + "B"), nil
}

// Rate is operations per second, written "500/s", "30/m" or "2/ms"; a bare
// number means per second.
type Rate float64

// UnmarshalText parses a rate.
func (r *Rate) UnmarshalText(b []byte) error {
	str := strings.TrimSpace(string(b))
	num, per, found := strings.Cut(str, "/")
	unit := time.Second
	if found {
		switch strings.TrimSpace(per) {
		case "s", "1s", "sec":
		case "m", "1m", "min":
			unit = time.Minute
		case "ms":
			unit = time.Millisecond
		default:
			return &valueError{str, "invalid rate %q: the unit must be /s, /m or /ms"}
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return &valueError{str, "invalid rate %q (write it like 500/s)"}
	}
	*r = Rate(f * float64(time.Second) / float64(unit))
	return nil
}

// MarshalText writes the rate per second.
func (r Rate) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(r), 'g', -1, 64) + "/s"), nil
}

// valueError is a value that does not parse; decodeError finds its line by
// looking for the value in the file.
type valueError struct {
	value  string
	format string // with one %q for the value
}

func (e *valueError) Error() string { return fmt.Sprintf(e.format, e.value) }
