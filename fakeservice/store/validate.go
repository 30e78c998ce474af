package store

import (
	"fmt"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// validator collects constraint violations into DynamoDB's message:
// "N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy
// constraint: <constraint>; ..." (at most 10).
type validator struct {
	msgs []string
}

// add records a violation; value is already quoted ('x') or null.
func (v *validator) add(value, path, constraint string) {
	if len(v.msgs) < 10 {
		v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, path, constraint))
	}
}

func (v *validator) notNull(path string, isNil bool) {
	if isNil {
		v.add("null", path, "Member must not be null")
	}
}

// enum checks an optional string against allowed values.
func (v *validator) enum(path string, s *string, allowed ...string) {
	if s != nil && !contains(allowed, *s) {
		v.add(quote(*s), path, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	}
}

// tableName checks a table name: 3-255 characters of [a-zA-Z0-9_.-].
func (v *validator) tableName(path string, name *string, required bool) {
	if name == nil {
		v.notNull(path, required)
		return
	}
	n := *name
	if !validTableNameChars(n) {
		v.add(quote(n), path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(n) < 3 {
		v.add(quote(n), path, "Member must have length greater than or equal to 3")
	}
	if len(n) > 255 {
		v.add(quote(n), path, "Member must have length less than or equal to 255")
	}
}

func (v *validator) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return wire.ValidationError("1 validation error detected: " + v.msgs[0])
	default:
		return wire.ValidationError(fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
	}
}

func validTableNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func quote(s string) string { return "'" + s + "'" }

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
